package io.stellarchat.server.api.sessions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.server.chat.ChatMessage;
import io.stellarchat.server.chat.HistoryWindow;
import io.stellarchat.server.chat.MessageRole;
import io.stellarchat.server.chat.MessageStatus;
import io.stellarchat.server.chat.Timings;
import io.stellarchat.server.chat.TokenCounts;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

/**
 * The window policy a session turn uses ({@link HistoryWindow}), with a counter whose cost is known: a fixed
 * overhead (system prompt, generation prompt) plus per message a header and one token per character. The
 * end-to-end behaviour on the real model is in {@link SessionRoutesTest}; here the choice is compared with a
 * brute-force search over every window size.
 */
class SessionHistoryWindowTest {
    static final int OVERHEAD = 7;
    static final int PER_MESSAGE = 4;
    static final ToIntFunction<List<ChatMessage>> COST = msgs -> OVERHEAD
            + msgs.stream().mapToInt(m -> PER_MESSAGE + m.content().length()).sum();

    static ChatMessage msg(int i, MessageRole role, String content) {
        return new ChatMessage("m" + i, "s", role, content, null, null, null, MessageStatus.COMPLETE,
                TokenCounts.NONE, Timings.NONE, Instant.EPOCH);
    }

    /** user, assistant, user, … ending with a user message; content lengths from the array. */
    static List<ChatMessage> conversation(int... lengths) {
        List<ChatMessage> out = new ArrayList<>();
        int offset = lengths.length % 2 == 1 ? 0 : 1; // the last one is a user message
        for (int i = 0; i < lengths.length; i++) {
            out.add(msg(i, (i + offset) % 2 == 0 ? MessageRole.USER : MessageRole.ASSISTANT, "x".repeat(lengths[i])));
        }
        return out;
    }

    @Test
    void aConversationThatFitsIsKeptWhole() {
        List<ChatMessage> h = conversation(10, 20, 10);
        HistoryWindow.Window w = HistoryWindow.choose(h, COST, 100, 10);
        assertEquals(h, w.messages());
        assertEquals(0, w.truncated());
        assertEquals(COST.applyAsInt(h), w.promptTokens());
    }

    @Test
    void theOldestMessagesAreLeftOutUntilThePromptFitsBesideTheReplyBudget() {
        // user 10, assistant 10, user 10, assistant 10, user 10: each costs 14, overhead 7.
        List<ChatMessage> h = conversation(10, 10, 10, 10, 10);
        // context 60 - budget 10 = 50: three messages cost 49, four 63.
        HistoryWindow.Window w = HistoryWindow.choose(h, COST, 60, 10);
        assertEquals(h.subList(2, 5), w.messages());
        assertEquals(2, w.truncated());
        assertEquals(49, w.promptTokens());
    }

    @Test
    void theWindowNeverOpensWithAnAssistantMessage() {
        List<ChatMessage> h = conversation(10, 10, 10, 10, 10);
        // limit 63 would fit four messages, but the fourth from the end is an assistant reply: three are kept.
        HistoryWindow.Window w = HistoryWindow.choose(h, COST, 73, 10);
        assertEquals(MessageRole.USER, w.messages().getFirst().role());
        assertEquals(h.subList(2, 5), w.messages());
        assertEquals(2, w.truncated());
        assertEquals(49, w.promptTokens(), "the count is of the window actually kept");
    }

    @Test
    void aNewestMessageThatCannotFitAloneIsRefusedWithItsSize() {
        List<ChatMessage> h = conversation(10, 10, 200);
        HistoryWindow.DoesNotFitException e = assertThrows(HistoryWindow.DoesNotFitException.class,
                () -> HistoryWindow.choose(h, COST, 150, 10));
        assertEquals(OVERHEAD + PER_MESSAGE + 200, e.promptTokens());
        assertThrows(IllegalArgumentException.class, () -> HistoryWindow.choose(List.of(), COST, 150, 10));
    }

    @Test
    void theChoiceIsTheLargestFittingWindowOnRandomConversationsWithFewCounts() {
        Random random = new Random(20261122);
        for (int round = 0; round < 500; round++) {
            int n = 1 + random.nextInt(60);
            int[] lengths = new int[n];
            for (int i = 0; i < n; i++) {
                lengths[i] = random.nextInt(40);
            }
            List<ChatMessage> h = conversation(lengths);
            int context = 20 + random.nextInt(600);
            int budget = random.nextInt(20);
            int limit = context - budget;

            // Brute force: the longest suffix, minus leading assistant messages, whose cost fits.
            List<ChatMessage> expected = null;
            for (int k = n; k >= 1 && expected == null; k--) {
                List<ChatMessage> w = h.subList(n - k, n);
                int start = 0;
                while (start < w.size() - 1 && w.get(start).role() == MessageRole.ASSISTANT) {
                    start++;
                }
                w = w.subList(start, w.size());
                if (COST.applyAsInt(w) <= limit) {
                    expected = w;
                }
            }
            AtomicInteger calls = new AtomicInteger();
            ToIntFunction<List<ChatMessage>> counting = m -> {
                calls.incrementAndGet();
                return COST.applyAsInt(m);
            };
            String where = "round " + round + ": n=" + n + " limit=" + limit;
            if (expected == null) {
                assertThrows(HistoryWindow.DoesNotFitException.class, () -> HistoryWindow.choose(h, counting, context, budget), where);
                continue;
            }
            HistoryWindow.Window w = HistoryWindow.choose(h, counting, context, budget);
            assertEquals(expected, w.messages(), where);
            assertEquals(n - expected.size(), w.truncated(), where);
            assertEquals(COST.applyAsInt(expected), w.promptTokens(), where);
            assertTrue(w.promptTokens() <= limit, where);
            int log2 = 32 - Integer.numberOfLeadingZeros(n);
            assertTrue(calls.get() <= log2 + 2, where + ": " + calls.get() + " counts for " + n + " messages");
        }
    }
}
