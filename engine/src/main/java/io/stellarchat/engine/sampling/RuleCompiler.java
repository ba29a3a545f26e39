package io.stellarchat.engine.sampling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Flattens named {@link Expr} rules into the flat code of an {@link Automaton}: every rule becomes a list of
 * alternatives, every alternative a run of elements ending in {@link Automaton#END}. An element is a byte
 * set or a rule reference; nested alternations and repetitions become synthetic rules, so the automaton
 * knows only sequences, references and byte sets.
 *
 * <ul>
 *   <li>{@code x*} → {@code R ::= x R | ε} (right recursion: with the tail call not pushed, a run of any
 *       length keeps the stack one deep);</li>
 *   <li>{@code x{m,n}} → m copies of x, then {@code O_k ::= x O_{k-1} | ε} for the n − m optional ones.</li>
 * </ul>
 * Left recursion (a rule reachable from itself without consuming a byte) is refused: the automaton expands
 * predictions eagerly and would not terminate. Single use, not thread-safe.
 */
final class RuleCompiler {
    /** Guard against schemas that would unroll into huge automata (e.g. maxLength 10^6). */
    static final int MAX_RULES = 100_000;
    static final int MAX_CODE = 2_000_000;

    private final Map<String, Expr> source;
    private final Map<String, Integer> ids = new HashMap<>();
    private final List<String> names = new ArrayList<>();
    private final List<List<int[]>> alts = new ArrayList<>(); // rule -> alternatives -> elements
    private final Map<Expr.Bytes, Integer> setIds = new HashMap<>();
    private final List<long[]> sets = new ArrayList<>();
    private final Map<Expr, Integer> synthetic = new HashMap<>(); // shared lowering of equal sub-expressions
    private int codeSize;

    private RuleCompiler(Map<String, Expr> source) {
        this.source = source;
    }

    /** Compiles {@code rules} (insertion order kept) with {@code root} as the start rule. */
    static Automaton compile(Map<String, Expr> rules, String root) {
        if (!rules.containsKey(root)) {
            throw new GrammarException("the grammar has no '" + root + "' rule");
        }
        RuleCompiler c = new RuleCompiler(new LinkedHashMap<>(rules));
        for (String name : rules.keySet()) {
            c.ruleId(name);
        }
        for (String name : rules.keySet()) {
            c.define(c.ids.get(name), rules.get(name));
        }
        return c.finish(c.ids.get(root));
    }

    private int ruleId(String name) {
        Integer id = ids.get(name);
        if (id != null) {
            return id;
        }
        if (names.size() >= MAX_RULES) {
            throw new GrammarException("the grammar is too large (more than " + MAX_RULES + " rules)");
        }
        id = names.size();
        ids.put(name, id);
        names.add(name);
        alts.add(null);
        return id;
    }

    private int newRule(String hint) {
        return ruleId(hint + "#" + names.size());
    }

    private void define(int rule, Expr body) {
        List<int[]> list = new ArrayList<>();
        alts.set(rule, list); // set before lowering, so a recursive reference sees it defined
        if (body instanceof Expr.Alt a) {
            for (Expr o : a.options()) {
                list.add(elements(o, names.get(rule)));
            }
        } else {
            list.add(elements(body, names.get(rule)));
        }
        for (int[] e : list) {
            codeSize += e.length + 1;
        }
        if (codeSize > MAX_CODE) {
            throw new GrammarException("the grammar is too large (more than " + MAX_CODE + " elements)");
        }
    }

    private int[] elements(Expr e, String hint) {
        List<Integer> out = new ArrayList<>();
        append(e, out, hint);
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private void append(Expr e, List<Integer> out, String hint) {
        switch (e) {
            case Expr.Seq s -> {
                for (Expr x : s.items()) {
                    append(x, out, hint);
                }
            }
            case Expr.Bytes b -> out.add(Automaton.setElement(setId(b)));
            case Expr.Ref r -> {
                if (!source.containsKey(r.name())) {
                    throw new GrammarException("undefined rule '" + r.name() + "' referenced from '"
                            + hint.replaceAll("#\\d+$", "") + "'");
                }
                out.add(ids.get(r.name()));
            }
            case Expr.Alt a -> out.add(synth(a, hint));
            case Expr.Repeat r -> {
                if (r.min() < 0 || (r.max() >= 0 && r.max() < r.min())) {
                    throw new GrammarException("bad repetition {" + r.min() + "," + r.max() + "} in '" + hint + "'");
                }
                if (r.min() > 10_000 || r.max() > 10_000) {
                    throw new GrammarException("repetition bound above 10000 in '" + hint + "'");
                }
                int body = r.min() > 0 || r.max() != 0 ? element(r.body(), hint) : -1;
                for (int i = 0; i < r.min(); i++) {
                    out.add(body);
                }
                if (r.max() < 0) {
                    out.add(synth(new Expr.Repeat(r.body(), 0, -1), hint));
                } else if (r.max() > r.min()) {
                    out.add(synth(new Expr.Repeat(r.body(), 0, r.max() - r.min()), hint));
                }
            }
        }
    }

    /** One element standing for {@code e}: a byte set, a rule, or a synthetic rule for anything larger. */
    private int element(Expr e, String hint) {
        if (e instanceof Expr.Bytes b) {
            return Automaton.setElement(setId(b));
        }
        if (e instanceof Expr.Ref r) {
            List<Integer> one = new ArrayList<>();
            append(r, one, hint);
            return one.getFirst();
        }
        return synth(e, hint);
    }

    /** A synthetic rule for an alternation, an optional-run or a star (shared between equal expressions). */
    private int synth(Expr e, String hint) {
        Integer known = synthetic.get(e);
        if (known != null) {
            return known;
        }
        int rule = newRule(hint);
        synthetic.put(e, rule);
        if (e instanceof Expr.Repeat r && r.min() == 0) {
            int body = element(r.body(), hint);
            List<int[]> list = new ArrayList<>();
            alts.set(rule, list);
            if (r.max() < 0) {
                list.add(new int[] {body, rule}); // R ::= x R
            } else if (r.max() == 1) {
                list.add(new int[] {body});
            } else {
                // O_k ::= x O_{k-1} | ε, O_1 ::= x | ε: built bottom-up in a loop, since a bound such as {0,8000}
                // (a regex count, a maxLength) nests thousands deep and recursion overflowed the stack (fuzz finding)
                int rest = -1;
                for (int k = 1; k < r.max(); k++) {
                    Expr.Repeat shorter = new Expr.Repeat(r.body(), 0, k);
                    Integer have = synthetic.get(shorter);
                    if (have == null) {
                        have = newRule(hint);
                        synthetic.put(shorter, have);
                        List<int[]> alternatives = new ArrayList<>();
                        alts.set(have, alternatives);
                        alternatives.add(k == 1 ? new int[] {body} : new int[] {body, rest});
                        alternatives.add(new int[0]);
                        codeSize += 5;
                    }
                    rest = have;
                }
                list.add(new int[] {body, rest}); // O_k ::= x O_{k-1}
            }
            list.add(new int[0]); // | ε
            codeSize += 5;
        } else {
            define(rule, e);
        }
        return rule;
    }

    private int setId(Expr.Bytes b) {
        return setIds.computeIfAbsent(b, k -> {
            sets.add(k.set().clone());
            return sets.size() - 1;
        });
    }

    private Automaton finish(int root) {
        int n = names.size();
        for (int r = 0; r < n; r++) {
            if (alts.get(r) == null) {
                throw new GrammarException("rule '" + names.get(r) + "' is not defined");
            }
        }
        // code: each alternative's elements followed by END; ruleAlts[r] = start positions.
        int[] code = new int[codeSize + 8];
        int[][] ruleAlts = new int[n][];
        int p = 0;
        for (int r = 0; r < n; r++) {
            List<int[]> list = alts.get(r);
            ruleAlts[r] = new int[list.size()];
            for (int a = 0; a < list.size(); a++) {
                ruleAlts[r][a] = p;
                int[] e = list.get(a);
                if (p + e.length + 1 > code.length) {
                    code = Arrays.copyOf(code, Math.max(code.length * 2, p + e.length + 1));
                }
                System.arraycopy(e, 0, code, p, e.length);
                p += e.length;
                code[p++] = Automaton.END;
            }
        }
        checkLeftRecursion(ruleAlts, code, n);
        return new Automaton(Arrays.copyOf(code, p), ruleAlts, sets.toArray(new long[0][]), root,
                names.toArray(new String[0]));
    }

    private void checkLeftRecursion(int[][] ruleAlts, int[] code, int n) {
        boolean[] nullable = new boolean[n];
        for (boolean changed = true; changed; ) {
            changed = false;
            for (int r = 0; r < n; r++) {
                if (nullable[r]) {
                    continue;
                }
                for (int start : ruleAlts[r]) {
                    boolean all = true;
                    for (int p = start; code[p] != Automaton.END; p++) {
                        if (code[p] < 0 || !nullable[code[p]]) {
                            all = false;
                            break;
                        }
                    }
                    if (all) {
                        nullable[r] = true;
                        changed = true;
                        break;
                    }
                }
            }
        }
        // leftmost references: r -> s when s can start r's match without a byte consumed before it
        int[] color = new int[n]; // 0 new, 1 on the path, 2 done
        for (int r = 0; r < n; r++) {
            if (color[r] == 0) {
                visit(r, ruleAlts, code, nullable, color);
            }
        }
    }

    /**
     * Depth-first search for left recursion from {@code root}, with an explicit stack: an unrolled repetition
     * (a nullable element under {@code {m,n}}) chains thousands of nullable rules, deeper than a thread's stack.
     */
    private void visit(int root, int[][] ruleAlts, int[] code, boolean[] nullable, int[] color) {
        record Frame(int rule, int[] edges, int[] next) { }
        java.util.ArrayDeque<Frame> stack = new java.util.ArrayDeque<>();
        color[root] = 1;
        stack.push(new Frame(root, leftmost(root, ruleAlts, code, nullable), new int[1]));
        while (!stack.isEmpty()) {
            Frame top = stack.peek();
            if (top.next()[0] == top.edges().length) {
                color[top.rule()] = 2;
                stack.pop();
                continue;
            }
            int e = top.edges()[top.next()[0]++];
            if (color[e] == 1) {
                throw new GrammarException("left recursion: rule '" + names.get(e).replaceAll("#\\d+$", "")
                        + "' can reach itself without consuming input");
            }
            if (color[e] == 0) {
                color[e] = 1;
                stack.push(new Frame(e, leftmost(e, ruleAlts, code, nullable), new int[1]));
            }
        }
    }

    /** The rules that can start rule {@code r}'s match before any byte of it is consumed, in order. */
    private static int[] leftmost(int r, int[][] ruleAlts, int[] code, boolean[] nullable) {
        int count = 0;
        for (int start : ruleAlts[r]) {
            for (int p = start; code[p] != Automaton.END && code[p] >= 0; p++) {
                count++;
                if (!nullable[code[p]]) break;
            }
        }
        int[] out = new int[count];
        int i = 0;
        for (int start : ruleAlts[r]) {
            for (int p = start; code[p] != Automaton.END && code[p] >= 0; p++) {
                out[i++] = code[p];
                if (!nullable[code[p]]) break;
            }
        }
        return out;
    }
}
