package io.stellarchat.server.observe;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks secrets in text bound for a log: the values of {@code Authorization} (after its scheme), {@code x-api-key},
 * {@code api_key} / {@code api-key} / {@code apiKey}, {@code password} and {@code token} (as a header, a JSON field or
 * a query parameter), and anything that looks like an API key secret ({@code sk-...}, including StellarChat's
 * {@code sk-stellar-...} and Anthropic's {@code sk-ant-...}). A value keeps its first four characters, so two
 * keys can still be told apart, and the rest becomes {@code ****}.
 */
public final class Secrets {
    private static final Pattern NAMED = Pattern.compile(
            "(?i)(\"?(?:authorization|proxy-authorization)\"?\\s*[:=]\\s*\"?(?:bearer|basic|apikey|token)?\\s*"
                    + "|\"?(?:x-api-key|api[_-]?key|apikey|password|passwd|secret|token|access_token|hf_token)\"?\\s*[:=]\\s*\"?)"
                    + "([^\\s\"',;&}]+)");
    private static final Pattern KEYS = Pattern.compile("\\b(sk-[A-Za-z0-9][A-Za-z0-9_\\-]{11,}|hf_[A-Za-z0-9]{16,})");

    private Secrets() {}

    /** {@code text} with every secret masked; the same string when there is none. */
    public static String mask(String text) {
        if (text == null || text.isEmpty()) return text;
        String out = text;
        Matcher m = NAMED.matcher(out);
        if (m.find()) {
            StringBuilder b = new StringBuilder();
            do {
                m.appendReplacement(b, Matcher.quoteReplacement(m.group(1) + hide(m.group(2))));
            } while (m.find());
            m.appendTail(b);
            out = b.toString();
        }
        Matcher k = KEYS.matcher(out);
        if (k.find()) {
            StringBuilder b = new StringBuilder();
            do {
                k.appendReplacement(b, Matcher.quoteReplacement(hide(k.group(1))));
            } while (k.find());
            k.appendTail(b);
            out = b.toString();
        }
        return out;
    }

    private static String hide(String value) {
        if (value.endsWith("****")) return value; // masked already
        return value.length() <= 4 ? "****" : value.substring(0, 4) + "****";
    }
}
