package io.stellarchat.engine.sampling;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * A constraint on generated text: the language of a JSON Schema, of any JSON object, of a GBNF grammar, or
 * a composition of those, compiled once into a byte-level pushdown automaton.
 *
 * <p><b>Thread safety.</b> Immutable apart from its mask caches, which are synchronized; one grammar is
 * shared by every sequence that uses it (and by the compile cache), each sequence holding its own
 * {@link GrammarMatcher}.
 *
 * <p><b>Sources.</b>
 * <ul>
 *   <li>{@link #jsonObject()} — any JSON object ({@code response_format: json_object});</li>
 *   <li>{@link #jsonSchema(String, boolean)} — a JSON Schema subset (see {@link JsonSchemaCompiler} for the
 *       keywords), properties generated in declared order;</li>
 *   <li>{@link #gbnf(String)} — llama.cpp's GBNF (see {@link GbnfParser});</li>
 *   <li>composition, for tool calls: {@link #literal}, {@link #sequence(String, Grammar, String)},
 *       {@link #sequence(List)}, {@link #anyOf}, {@link #repeat}. For example, one or more Hermes-style
 *       calls of either tool:
 *       <pre>{@code
 * Grammar call = Grammar.anyOf(List.of(
 *     Grammar.sequence("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": ", weatherArgs, "}\n</tool_call>"),
 *     Grammar.sequence("<tool_call>\n{\"name\": \"get_time\", \"arguments\": ", timeArgs, "}\n</tool_call>")));
 * Grammar calls = Grammar.repeat(Grammar.sequence("", call, "\n"), 1, -1);
 *       }</pre></li>
 * </ul>
 * Generated JSON has bounded whitespace: between tokens at most one space, or one newline followed by at
 * most {@value JsonRules#MAX_INDENT} spaces; numbers have at most 16 integer and 16 fraction digits. A
 * grammar built from a JSON source matches the value alone (no leading or trailing whitespace), so the
 * matcher is complete at the closing brace and generation stops there.
 *
 * <p><b>Compile cache.</b> The factories keep the last {@value #CACHE_SIZE} compiled grammars, keyed by the
 * SHA-256 of their kind and source (a composition: of its parts' keys), in a small synchronized LRU map: a
 * server that sees the same schema or builds the same tool-call grammar in every request compiles it once
 * and keeps its mask caches warm.
 */
public final class Grammar {
    static final int CACHE_SIZE = 32;
    private static final Map<String, Grammar> CACHE = Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Grammar> e) {
                    return size() > CACHE_SIZE;
                }
            });
    /**
     * Masks kept per (grammar, vocabulary), at most this many bytes in each of its two maps (full-state
     * masks and context-independent halves): 512 masks each for a 128k vocabulary. With the compile cache's
     * 32 grammars that bounds mask memory by 512 MiB in the worst case, a few MiB per schema in practice.
     */
    static final long MASK_CACHE_BYTES = 8L << 20;
    /** Frames kept by the context-independent half of a mask (a string's character loop needs three). */
    static final int INDEPENDENT_DEPTH = 3;

    private final Map<String, Expr> rules; // source form, root rule "root"; used by composition
    private final Automaton automaton;
    private final List<String> ignored;
    private final String description;
    private final String key; // SHA-256 of kind and source (for composites: of the parts' keys)
    private final Map<TokenBytes, MaskCache> masks = Collections.synchronizedMap(new WeakHashMap<>());

    private Grammar(String key, Map<String, Expr> rules, List<String> ignored, String description) {
        this.key = key;
        this.rules = Collections.unmodifiableMap(new LinkedHashMap<>(rules));
        this.automaton = RuleCompiler.compile(rules, "root");
        this.ignored = List.copyOf(ignored);
        this.description = description;
    }

    /** Any JSON object. */
    public static Grammar jsonObject() {
        return cached("json_object", "", key -> {
            JsonRules r = new JsonRules();
            r.rules.put("root", Expr.ref(r.object()));
            return new Grammar(key, r.rules, List.of(), "json_object");
        });
    }

    /**
     * The JSON documents a schema accepts, within the supported subset.
     *
     * @param strict true: an unsupported keyword throws {@link GrammarException} naming it and its JSON
     *               pointer; false: it is ignored (generation may then produce documents the full schema
     *               rejects) and listed by {@link #ignoredKeywords()}
     * @throws GrammarException for malformed JSON, a malformed schema, or (strict) an unsupported keyword
     */
    public static Grammar jsonSchema(String schemaJson, boolean strict) {
        if (schemaJson == null) {
            throw new GrammarException("the schema is null");
        }
        return cached("json_schema:" + strict, schemaJson, key -> {
            JsonSchemaCompiler c = new JsonSchemaCompiler(Json.parse(schemaJson), strict);
            Map<String, Expr> r = c.compile();
            return new Grammar(key, r, c.ignored(), "json_schema");
        });
    }

    /** A llama.cpp GBNF grammar; its start rule is {@code root}. */
    public static Grammar gbnf(String text) {
        if (text == null) {
            throw new GrammarException("GBNF text is null");
        }
        return cached("gbnf", text, key -> new Grammar(key, GbnfParser.parse(text), List.of(), "gbnf"));
    }

    /** Exactly {@code text}. */
    public static Grammar literal(String text) {
        return cached("literal", text, key -> new Grammar(key, Map.of("root", Expr.lit(text)), List.of(), "literal"));
    }

    /** {@code prefix}, then {@code body}, then {@code suffix} (either literal may be empty). */
    public static Grammar sequence(String literalPrefix, Grammar body, String literalSuffix) {
        return sequence(List.of(literal(literalPrefix), body, literal(literalSuffix)));
    }

    /** The parts one after the other. */
    public static Grammar sequence(List<Grammar> parts) {
        return cached("sequence", keys(parts), key -> {
            Map<String, Expr> r = new LinkedHashMap<>();
            List<Expr> items = new ArrayList<>();
            for (int i = 0; i < parts.size(); i++) {
                items.add(embed(r, "s" + i, parts.get(i)));
            }
            r.put("root", Expr.seq(items));
            return new Grammar(key, r, ignoredOf(parts), "sequence");
        });
    }

    /** Any one of {@code options}. */
    public static Grammar anyOf(List<Grammar> options) {
        if (options.isEmpty()) {
            throw new GrammarException("anyOf needs at least one grammar");
        }
        return cached("anyOf", keys(options), key -> {
            Map<String, Expr> r = new LinkedHashMap<>();
            List<Expr> alts = new ArrayList<>();
            for (int i = 0; i < options.size(); i++) {
                alts.add(embed(r, "a" + i, options.get(i)));
            }
            r.put("root", Expr.alt(alts));
            return new Grammar(key, r, ignoredOf(options), "anyOf");
        });
    }

    /** {@code body} from {@code min} to {@code max} times ({@code max < 0}: unbounded), e.g. parallel calls. */
    public static Grammar repeat(Grammar body, int min, int max) {
        return cached("repeat:" + min + ":" + max, body.key, key -> {
            Map<String, Expr> r = new LinkedHashMap<>();
            Expr e = embed(r, "r", body);
            r.put("root", Expr.rep(e, min, max));
            return new Grammar(key, r, body.ignored, "repeat");
        });
    }

    /** Keywords ignored by a non-strict {@link #jsonSchema}, each as {@code keyword at /json/pointer}. */
    public List<String> ignoredKeywords() {
        return ignored;
    }

    @Override
    public String toString() {
        return "Grammar[" + description + ", " + automaton.ruleCount() + " rules]";
    }

    Automaton automaton() {
        return automaton;
    }

    /** The mask cache of this grammar for one vocabulary. */
    MaskCache masks(TokenBytes vocab) {
        return masks.computeIfAbsent(vocab, v -> new MaskCache(
                (int) Math.max(16, MASK_CACHE_BYTES / (8L * v.maskWords()))));
    }

    private static Expr embed(Map<String, Expr> into, String prefix, Grammar g) {
        for (Map.Entry<String, Expr> e : g.rules.entrySet()) {
            into.put(prefix + "." + e.getKey(), Expr.rename(e.getValue(), n -> prefix + "." + n));
        }
        return Expr.ref(prefix + ".root");
    }

    private static List<String> ignoredOf(List<Grammar> gs) {
        List<String> out = new ArrayList<>();
        for (Grammar g : gs) {
            out.addAll(g.ignored);
        }
        return out;
    }

    private interface Compile {
        Grammar run(String key);
    }

    private static String keys(List<Grammar> parts) {
        StringBuilder sb = new StringBuilder();
        for (Grammar g : parts) {
            sb.append(g.key).append(',');
        }
        return sb.toString();
    }

    private static Grammar cached(String kind, String source, Compile compile) {
        String key = sha256(kind + '\u0000' + source);
        Grammar g = CACHE.get(key);
        if (g == null) {
            g = compile.run(key); // outside the lock: two threads may compile the same source once each
            CACHE.put(key, g);
        }
        return g;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }

    /**
     * Token masks by automaton state for one (grammar, vocabulary): an LRU map, synchronized because
     * matchers of several sequences (possibly on several engines) share it. A mask depends only on the
     * state, so a cached one is exactly what the trie walk would compute; values are never modified.
     */
    static final class MaskCache {
        private final Map<Automaton.State, long[]> map;
        private final int maxEntries;

        MaskCache(int maxEntries) {
            this.maxEntries = maxEntries;
            this.map = new LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Automaton.State, long[]> e) {
                    return size() > maxEntries;
                }
            };
        }

        synchronized long[] get(Automaton.State s) {
            return map.get(s);
        }

        synchronized void put(Automaton.State s, long[] mask) {
            map.put(s, mask);
        }

        synchronized int size() {
            return map.size();
        }

        /** The context-independent half of the masks of every state that truncates to one state. */
        record Independent(long[] accepted, int[] uncertain) {}

        private final Map<Automaton.State, Independent> independent = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Automaton.State, Independent> e) {
                return size() > maxEntries;
            }
        };

        synchronized Independent independent(Automaton.State truncated) {
            return independent.get(truncated);
        }

        synchronized void putIndependent(Automaton.State truncated, Independent e) {
            independent.put(truncated, e);
        }
    }
}
