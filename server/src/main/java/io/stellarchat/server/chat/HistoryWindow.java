package io.stellarchat.server.chat;

import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Chooses which part of a conversation goes into the prompt: the system prompt (always, added by the
 * caller's counter) plus as many of the most recent messages as fit in the context minus the reply budget —
 * measured in tokens of the rendered prompt, not by a fixed count. The window never starts with an assistant
 * or tool message (chat templates expect a conversation to open with the user), and always keeps the newest
 * message.
 *
 * <p>Rendering a chat template is not additive per message, so the count is taken on the real rendered
 * prompt: a binary search over the number of messages kept calls the counter O(log n) times.
 */
public final class HistoryWindow {
    private HistoryWindow() {}

    /**
     * The chosen window.
     *
     * @param messages       the messages kept, oldest first
     * @param truncated      how many older messages were left out
     * @param promptTokens   tokens of the rendered prompt with these messages
     */
    public record Window(List<ChatMessage> messages, int truncated, int promptTokens) {}

    /** The newest message alone does not fit. */
    public static final class DoesNotFitException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int promptTokens;

        DoesNotFitException(int promptTokens, int limit) {
            super("the newest message needs " + promptTokens + " prompt tokens but only " + limit
                    + " fit in the context after the reply budget");
            this.promptTokens = promptTokens;
        }

        public int promptTokens() {
            return promptTokens;
        }
    }

    /**
     * @param history      the conversation, oldest first; the last element is the new user message
     * @param promptTokens tokens of the prompt rendered from a suffix of {@code history} (with the system prompt)
     * @param contextLength the model's context per request
     * @param replyBudget  tokens reserved for the reply
     */
    public static Window choose(List<ChatMessage> history, ToIntFunction<List<ChatMessage>> promptTokens,
                                int contextLength, int replyBudget) {
        if (history.isEmpty()) {
            throw new IllegalArgumentException("the conversation is empty");
        }
        int limit = contextLength - replyBudget;
        int n = history.size();
        int lo = 1; // always fits? checked below
        int loTokens = promptTokens.applyAsInt(history.subList(n - 1, n));
        if (loTokens > limit) {
            throw new DoesNotFitException(loTokens, limit);
        }
        int hi = n;
        int best = 1;
        int bestTokens = loTokens;
        // Largest k in [1, n] whose last-k window fits: the count grows with k.
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            List<ChatMessage> w = trimStart(history.subList(n - mid, n));
            int t = promptTokens.applyAsInt(w);
            if (t <= limit) {
                lo = mid;
                best = mid;
                bestTokens = t;
            } else {
                hi = mid - 1;
            }
        }
        List<ChatMessage> kept = trimStart(history.subList(n - best, n));
        if (kept.size() != best) {
            bestTokens = promptTokens.applyAsInt(kept);
        }
        return new Window(List.copyOf(kept), n - kept.size(), bestTokens);
    }

    /** Drops leading assistant and tool messages, keeping at least the last message. */
    private static List<ChatMessage> trimStart(List<ChatMessage> w) {
        int i = 0;
        while (i < w.size() - 1 && (w.get(i).role() == MessageRole.ASSISTANT || w.get(i).role() == MessageRole.TOOL)) {
            i++;
        }
        return w.subList(i, w.size());
    }
}
