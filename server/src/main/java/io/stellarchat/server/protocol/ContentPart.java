package io.stellarchat.server.protocol;

import java.util.Objects;

/** One part of a message's content. */
public sealed interface ContentPart {

    /** Text. */
    record Text(String text) implements ContentPart {
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }

    /**
     * An image by URL (an {@code https:} or {@code data:} URL). Carried for the providers that take images;
     * the local engine refuses it.
     *
     * @param url    the image
     * @param detail OpenAI's {@code detail} hint, or null
     */
    record Image(String url, String detail) implements ContentPart {
        public Image {
            Objects.requireNonNull(url, "url");
        }
    }
}
