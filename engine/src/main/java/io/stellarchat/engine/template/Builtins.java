package io.stellarchat.engine.template;

import io.stellarchat.engine.template.PyValues.Callable;
import io.stellarchat.engine.template.PyValues.Namespace;
import io.stellarchat.engine.template.PyValues.Tuple;
import io.stellarchat.engine.template.PyValues.Undefined;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * jinja2's filters, tests and globals as chat templates use them, plus Hugging Face's additions
 * ({@code tojson} as {@code json.dumps}, {@code raise_exception}, {@code strftime_now}). One instance per render.
 */
final class Builtins {
    private final Renderer renderer;

    Builtins(Renderer renderer) {
        this.renderer = renderer;
    }

    void installGlobals(Map<String, Object> g) {
        g.put("raise_exception", (Callable) (a, k) -> {
            Object msg = arg(a, k, 0, "message", new Undefined("raise_exception() missing message"));
            throw new TemplateException(TemplateException.Kind.RAISED, PyValues.str(msg));
        });
        g.put("strftime_now", (Callable) (a, k) -> Strftime.format(renderer.now,
                PyValues.str(arg(a, k, 0, "format", ""))));
        g.put("range", (Callable) (a, k) -> range(a));
        g.put("dict", (Callable) (a, k) -> {
            Map<Object, Object> m = new LinkedHashMap<>();
            if (!a.isEmpty()) {
                Object src = a.getFirst();
                if (src instanceof Map<?, ?> sm) {
                    m.putAll(sm);
                } else {
                    for (Object pair : PyValues.iterate(src)) {
                        List<Object> kv = PyValues.iterate(pair);
                        if (kv.size() != 2) {
                            throw TemplateException.render("dictionary update sequence element has length "
                                    + kv.size() + "; 2 is required");
                        }
                        m.put(kv.get(0), kv.get(1));
                    }
                }
            }
            m.putAll(k);
            return m;
        });
        g.put("namespace", (Callable) (a, k) -> {
            Namespace ns = new Namespace();
            for (Object o : a) {
                if (o instanceof Map<?, ?> m) {
                    for (Map.Entry<?, ?> e : m.entrySet()) {
                        ns.attrs.put(PyValues.str(e.getKey()), e.getValue());
                    }
                }
            }
            ns.attrs.putAll(k);
            return ns;
        });
        g.put("cycler", (Callable) (a, k) -> {
            Namespace c = new Namespace();
            List<Object> items = new ArrayList<>(a);
            int[] pos = {0};
            c.attrs.put("next", (Callable) (x, y) -> {
                if (items.isEmpty()) {
                    throw TemplateException.render("cycler has no items");
                }
                Object v = items.get(pos[0] % items.size());
                pos[0]++;
                return v;
            });
            c.attrs.put("reset", (Callable) (x, y) -> {
                pos[0] = 0;
                return null;
            });
            return c;
        });
        g.put("joiner", (Callable) (a, k) -> {
            String sep = PyValues.str(arg(a, k, 0, "sep", ", "));
            boolean[] used = {false};
            return (Callable) (x, y) -> {
                if (!used[0]) {
                    used[0] = true;
                    return "";
                }
                return sep;
            };
        });
    }

    private static List<Object> range(List<Object> a) throws TemplateException {
        for (Object o : a) {
            if (!PyValues.isIntLike(o)) {
                throw TemplateException.render("'" + PyValues.typeName(o) + "' object cannot be interpreted as an"
                        + " integer");
            }
        }
        long start = 0;
        long stop;
        long step = 1;
        if (a.size() == 1) {
            stop = PyValues.asLong(a.get(0));
        } else if (a.size() == 2 || a.size() == 3) {
            start = PyValues.asLong(a.get(0));
            stop = PyValues.asLong(a.get(1));
            if (a.size() == 3) {
                step = PyValues.asLong(a.get(2));
            }
        } else {
            throw TemplateException.render("range expected 1 to 3 arguments, got " + a.size());
        }
        if (step == 0) {
            throw TemplateException.render("range() arg 3 must not be zero");
        }
        List<Object> out = new ArrayList<>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            if (out.size() >= Renderer.MAX_ITERATIONS) {
                throw TemplateException.render("range too big, exceeds " + Renderer.MAX_ITERATIONS + " items");
            }
            out.add(i);
        }
        return out;
    }

    static Object arg(List<Object> args, Map<String, Object> kw, int i, String name, Object dflt) {
        if (i < args.size()) {
            return args.get(i);
        }
        return kw.containsKey(name) ? kw.get(name) : dflt;
    }

    private static final java.util.regex.Pattern WORD = java.util.regex.Pattern.compile("\\w+",
            java.util.regex.Pattern.UNICODE_CHARACTER_CLASS);
    private static final java.util.regex.Pattern WORD_BEGINNING = java.util.regex.Pattern.compile("[-\\s({\\[<]+",
            java.util.regex.Pattern.UNICODE_CHARACTER_CLASS);

    /** jinja2's {@code title} filter: capitalise each piece after a run of {@code - ( { [ <} or whitespace. */
    private static String title(String s) {
        StringBuilder sb = new StringBuilder();
        java.util.regex.Matcher m = WORD_BEGINNING.matcher(s);
        int pos = 0;
        while (m.find()) {
            sb.append(Methods.capitalize(s.substring(pos, m.start()))).append(m.group());
            pos = m.end();
        }
        sb.append(Methods.capitalize(s.substring(pos)));
        return sb.toString();
    }

    private static String text(Object v) {
        return PyValues.str(v);
    }

    private static String requireString(Object v, String op) throws TemplateException {
        if (v instanceof Undefined u) {
            throw u.error();
        }
        if (!(v instanceof String s)) {
            throw TemplateException.render("unsupported operand type(s) for " + op + ": '" + PyValues.typeName(v)
                    + "' and 'str'");
        }
        return s;
    }

    private static Object requireDefined(Object v) throws TemplateException {
        if (v instanceof Undefined u) {
            throw u.error();
        }
        return v;
    }

    // ---- filters ----

    Object filter(String name, Object v, List<Object> a, Map<String, Object> k) throws TemplateException {
        renderer.charge(v);
        if (name.equals("safe")) {
            return v instanceof PyValues.Markup ? v : new PyValues.Markup(text(v));
        }
        if (name.equals("e") || name.equals("escape")) {
            return v instanceof PyValues.Markup ? v : new PyValues.Markup(escape(text(v)));
        }
        v = PyValues.unwrap(v);
        return switch (name) {
            case "forceescape" -> new PyValues.Markup(escape(text(v)));
            case "string" -> text(v);
            case "trim" -> Methods.strip(text(v), (String) arg(a, k, 0, "chars", null), true, true);
            case "upper" -> text(v).toUpperCase(Locale.ROOT);
            case "lower" -> text(v).toLowerCase(Locale.ROOT);
            case "title" -> title(text(v));
            case "capitalize" -> Methods.capitalize(text(v));
            case "length", "count" -> (long) length(v);
            case "tojson" -> tojson(v, a, k);
            case "default", "d" -> {
                Object dflt = arg(a, k, 0, "default_value", "");
                boolean bool = PyValues.truthy(arg(a, k, 1, "boolean", false));
                yield v instanceof Undefined || (bool && !PyValues.truthy(v)) ? dflt : v;
            }
            case "replace" -> {
                Object count = arg(a, k, 2, "count", null);
                List<Object> args = new ArrayList<>(List.of(text(arg(a, k, 0, "old", "")),
                        text(arg(a, k, 1, "new", ""))));
                if (count != null) {
                    args.add(count);
                }
                yield ((Callable) Methods.lookup(text(v), "replace")).call(args, Map.of());
            }
            case "join" -> {
                String sep = text(arg(a, k, 0, "d", ""));
                Object attr = arg(a, k, 1, "attribute", null);
                StringBuilder sb = new StringBuilder();
                boolean first = true;
                for (Object o : PyValues.iterate(v)) {
                    if (!first) {
                        sb.append(sep);
                    }
                    first = false;
                    sb.append(text(attr != null ? attribute(o, attr) : o));
                    if (sb.length() > Renderer.MAX_OUTPUT_CHARS) {
                        Renderer.checkSize(sb.toString());
                    }
                }
                yield sb.toString();
            }
            case "first" -> {
                List<Object> l = PyValues.iterate(v);
                yield l.isEmpty() ? new Undefined("No first item, sequence was empty.") : l.getFirst();
            }
            case "last" -> {
                List<Object> l = PyValues.iterate(v);
                yield l.isEmpty() ? new Undefined("No last item, sequence was empty.") : l.getLast();
            }
            case "list" -> PyValues.iterate(v);
            case "items" -> {
                if (v instanceof Undefined) {
                    yield new ArrayList<>();
                }
                if (!(v instanceof Map<?, ?>)) {
                    throw TemplateException.render("Can only get item pairs from a mapping.");
                }
                yield ((Callable) Methods.lookup(v, "items")).call(List.of(), Map.of());
            }
            case "dictsort" -> dictsort(v, a, k);
            case "reverse" -> {
                if (v instanceof String s) {
                    yield new StringBuilder(s).reverse().toString();
                }
                List<Object> l = PyValues.iterate(v);
                java.util.Collections.reverse(l);
                yield l;
            }
            case "sort" -> {
                List<Object> l = PyValues.iterate(v);
                boolean reverse = PyValues.truthy(arg(a, k, 0, "reverse", false));
                boolean cs = PyValues.truthy(arg(a, k, 1, "case_sensitive", false));
                Object attr = arg(a, k, 2, "attribute", null);
                sortList(l, attr, cs, reverse);
                yield l;
            }
            case "unique" -> {
                boolean cs = PyValues.truthy(arg(a, k, 0, "case_sensitive", false));
                Object attr = arg(a, k, 1, "attribute", null);
                java.util.Set<Object> seenHashable = new java.util.HashSet<>();
                List<Object> seen = new ArrayList<>();
                List<Object> out = new ArrayList<>();
                for (Object o : PyValues.iterate(v)) {
                    Object key = sortKey(attr != null ? attribute(o, attr) : o, cs);
                    Object hashKey = hashKey(key);
                    boolean dup;
                    if (hashKey != null) {
                        dup = !seenHashable.add(hashKey);
                    } else {
                        renderer.charge(seen);
                        dup = false;
                        for (Object s : seen) {
                            if (PyValues.equal(s, key)) {
                                dup = true;
                                break;
                            }
                        }
                        if (!dup) {
                            seen.add(key);
                        }
                    }
                    if (!dup) {
                        out.add(o);
                    }
                }
                yield out;
            }
            case "min", "max" -> {
                List<Object> l = PyValues.iterate(v);
                if (l.isEmpty()) {
                    yield new Undefined("No aggregated item, sequence was empty.");
                }
                boolean cs = PyValues.truthy(arg(a, k, 0, "case_sensitive", false));
                Object attr = arg(a, k, 1, "attribute", null);
                sortList(l, attr, cs, false);
                yield name.equals("min") ? l.getFirst() : l.getLast();
            }
            case "sum" -> {
                Object attr = arg(a, k, 0, "attribute", null);
                Object total = arg(a, k, 1, "start", 0L);
                for (Object o : PyValues.iterate(v)) {
                    total = Operators.binary("+", total, attr != null ? attribute(o, attr) : o);
                }
                yield total;
            }
            case "abs" -> {
                requireDefined(v);
                if (v instanceof Double d) {
                    yield Math.abs(d);
                }
                if (PyValues.isIntLike(v)) {
                    yield Math.abs(PyValues.asLong(v));
                }
                throw TemplateException.render("bad operand type for abs(): '" + PyValues.typeName(v) + "'");
            }
            case "int" -> toInt(v, arg(a, k, 0, "default", 0L), arg(a, k, 1, "base", 10L));
            case "float" -> toFloat(v, arg(a, k, 0, "default", 0.0));
            case "round" -> round(v, arg(a, k, 0, "precision", 0L), text(arg(a, k, 1, "method", "common")));
            case "center" -> Methods.justify(text(v), Methods.width(arg(a, k, 0, "width", 80L)), " ", "center");
            case "indent" -> indent(requireString(v, "+="), arg(a, k, 0, "width", 4L), PyValues.truthy(arg(a, k, 1, "first", false)),
                    PyValues.truthy(arg(a, k, 2, "blank", false)));
            case "wordcount" -> WORD.matcher(text(v)).results().count();
            case "batch" -> {
                long size = PyValues.asLong(arg(a, k, 0, "linecount", 1L));
                if (size <= 0) {
                    throw TemplateException.render("batch size must be positive");
                }
                Object fill = arg(a, k, 1, "fill_with", null);
                boolean doFill = a.size() > 1 || k.containsKey("fill_with");
                List<Object> out = new ArrayList<>();
                List<Object> cur = new ArrayList<>();
                for (Object o : PyValues.iterate(v)) {
                    cur.add(o);
                    if (cur.size() == size) {
                        out.add(cur);
                        cur = new ArrayList<>();
                    }
                }
                if (!cur.isEmpty()) {
                    while (doFill && cur.size() < size) {
                        cur.add(fill);
                    }
                    out.add(cur);
                }
                yield out;
            }
            case "format" -> Operators.percentFormat(text(v), a.isEmpty() ? new Tuple(List.of())
                    : new Tuple(new ArrayList<>(a)));
            case "attr" -> renderer.getattr(v, text(arg(a, k, 0, "name", "")));
            case "map" -> map(v, a, k);
            case "select", "reject" -> {
                List<Object> out = new ArrayList<>();
                for (Object o : PyValues.truthy(v) ? PyValues.iterate(v) : List.of()) {
                    renderer.tick();
                    boolean r = a.isEmpty() ? PyValues.truthy(o) : test(text(a.getFirst()), o, a.subList(1, a.size()));
                    if (r == name.equals("select")) {
                        out.add(o);
                    }
                }
                yield out;
            }
            case "selectattr", "rejectattr" -> {
                if (a.isEmpty()) {
                    throw TemplateException.render(name + "() missing attribute");
                }
                List<Object> out = new ArrayList<>();
                for (Object o : PyValues.truthy(v) ? PyValues.iterate(v) : List.of()) {
                    renderer.tick();
                    Object at = attribute(o, a.getFirst());
                    boolean r = a.size() == 1 ? PyValues.truthy(at) : test(text(a.get(1)), at, a.subList(2, a.size()));
                    if (r == name.equals("selectattr")) {
                        out.add(o);
                    }
                }
                yield out;
            }
            case "striptags" -> text(v).replaceAll("<[^>]*>", "").replaceAll("\\s+", " ").strip();
            case "truncate" -> {
                String s = text(v);
                long len = PyValues.asLong(arg(a, k, 0, "length", 255L));
                if (s.length() <= len) {
                    yield s;
                }
                yield s.substring(0, (int) Math.max(0, len - 3)) + text(arg(a, k, 2, "end", "..."));
            }
            case "pprint" -> PyValues.repr(v);
            default -> throw TemplateException.render("No filter named '" + name + "'.");
        };
    }

    private static int length(Object v) throws TemplateException {
        return switch (v) {
            case String s -> PyValues.length(s);
            case List<?> l -> l.size();
            case Map<?, ?> m -> m.size();
            case Undefined u -> 0;
            case Namespace ns -> throw TemplateException.render("object of type 'Namespace' has no len()");
            default -> throw TemplateException.render("object of type '" + PyValues.typeName(v) + "' has no len()");
        };
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&#34;")
                .replace("'", "&#39;");
    }

    private static Object tojson(Object v, List<Object> a, Map<String, Object> k) throws TemplateException {
        boolean ensureAscii = PyValues.truthy(arg(a, k, 0, "ensure_ascii", false));
        Object ind = arg(a, k, 1, "indent", null);
        Object seps = arg(a, k, 2, "separators", null);
        boolean sortKeys = PyValues.truthy(arg(a, k, 3, "sort_keys", false));
        String indent = null;
        if (ind instanceof String s) {
            indent = s;
        } else if (ind != null && PyValues.isIntLike(ind)) {
            indent = " ".repeat((int) Math.max(0, Math.min(64, PyValues.asLong(ind))));
        }
        String itemSep = null;
        String keySep = null;
        if (seps instanceof List<?> l && l.size() == 2) {
            itemSep = PyValues.str(l.get(0));
            keySep = PyValues.str(l.get(1));
        }
        if (v instanceof Undefined u) {
            throw TemplateException.render("Object of type Undefined is not JSON serializable");
        }
        return new JsonDumps(ensureAscii, indent, itemSep, keySep, sortKeys, Renderer.MAX_OUTPUT_CHARS).dumps(v);
    }

    /** jinja2's attribute getter: dotted path, each part looked up as item then attribute. */
    private Object attribute(Object o, Object attr) throws TemplateException {
        if (PyValues.isIntLike(attr)) {
            return renderer.getitem(o, attr);
        }
        Object cur = o;
        for (String part : text(attr).split("\\.")) {
            Object key = part.chars().allMatch(Character::isDigit) && !part.isEmpty() ? (Object) Long.parseLong(part)
                    : part;
            cur = renderer.getitem(cur, key);
        }
        return cur;
    }

    /** A Java key equal exactly when Python's {@code ==} is (1 == 1.0 == True), or null for unhashable values. */
    private static Object hashKey(Object v) {
        v = PyValues.unwrap(v);
        if (PyValues.isIntLike(v)) {
            return PyValues.asLong(v);
        }
        if (v instanceof Double d) {
            return d == Math.rint(d) && Math.abs(d) < 9e15 ? (Object) (long) (double) d : d;
        }
        if (v instanceof String || v == null) {
            return v == null ? PyValues.Tuple.class : v;
        }
        return null;
    }

    private static Object sortKey(Object v, boolean caseSensitive) {
        if (!caseSensitive && v instanceof String s) {
            return s.toLowerCase(Locale.ROOT);
        }
        return v;
    }

    private void sortList(List<Object> l, Object attr, boolean cs, boolean reverse) throws TemplateException {
        List<Object[]> keyed = new ArrayList<>();
        for (Object o : l) {
            keyed.add(new Object[] {sortKey(attr != null ? attribute(o, attr) : o, cs), o});
        }
        TemplateException[] failure = {null};
        Comparator<Object[]> cmp = (x, y) -> {
            try {
                return PyValues.compare(x[0], y[0], "<");
            } catch (TemplateException e) {
                failure[0] = e;
                return 0;
            }
        };
        keyed.sort(reverse ? cmp.reversed() : cmp);
        if (failure[0] != null) {
            throw failure[0];
        }
        l.clear();
        for (Object[] kv : keyed) {
            l.add(kv[1]);
        }
    }

    private Object dictsort(Object v, List<Object> a, Map<String, Object> k) throws TemplateException {
        if (!(v instanceof Map<?, ?> m)) {
            throw TemplateException.render("You can only sort by either \"key\" or \"value\"");
        }
        boolean cs = PyValues.truthy(arg(a, k, 0, "case_sensitive", false));
        String by = text(arg(a, k, 1, "by", "key"));
        boolean reverse = PyValues.truthy(arg(a, k, 2, "reverse", false));
        int pos = switch (by) {
            case "key" -> 0;
            case "value" -> 1;
            default -> throw TemplateException.render("You can only sort by either \"key\" or \"value\"");
        };
        List<Object> items = new ArrayList<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            items.add(new Tuple(Arrays.asList(e.getKey(), e.getValue())));
        }
        sortList(items, (long) pos, cs, reverse);
        return items;
    }

    private Object map(Object v, List<Object> a, Map<String, Object> k) throws TemplateException {
        List<Object> out = new ArrayList<>();
        if (!PyValues.truthy(v)) {
            return out;
        }
        if (k.containsKey("attribute")) {
            Object attr = k.get("attribute");
            Object dflt = k.get("default");
            for (Object o : PyValues.iterate(v)) {
                renderer.tick();
                Object r = attribute(o, attr);
                out.add(r instanceof Undefined && k.containsKey("default") ? dflt : r);
            }
            return out;
        }
        if (a.isEmpty()) {
            throw TemplateException.render("map requires a filter argument");
        }
        String fname = text(a.getFirst());
        List<Object> rest = a.subList(1, a.size());
        for (Object o : PyValues.iterate(v)) {
            renderer.tick();
            out.add(filter(fname, o, rest, k));
        }
        return out;
    }

    private static Object toInt(Object v, Object dflt, Object base) {
        if (v instanceof Long) {
            return v;
        }
        if (v instanceof Boolean b) {
            return b ? 1L : 0L;
        }
        if (v instanceof Double d) {
            return Double.isFinite(d) ? (long) (double) d : dflt;
        }
        if (v instanceof String s) {
            String t = Methods.strip(s, null, true, true).replace("_", "");
            try {
                int b = (int) PyValues.asLong(base);
                if (b != 10 && t.length() > 2 && t.charAt(0) == '0' && Character.isLetter(t.charAt(1))) {
                    t = t.substring(2);
                }
                return Long.parseLong(t, b);
            } catch (RuntimeException e) {
                try {
                    return (long) Double.parseDouble(t);
                } catch (NumberFormatException e2) {
                    return dflt;
                }
            }
        }
        return dflt;
    }

    private static Object toFloat(Object v, Object dflt) {
        if (v instanceof Double) {
            return v;
        }
        if (PyValues.isIntLike(v)) {
            return (double) PyValues.asLong(v);
        }
        if (v instanceof String s) {
            try {
                String t = Methods.strip(s, null, true, true).toLowerCase(Locale.ROOT);
                return switch (t) {
                    case "nan", "+nan", "-nan" -> Double.NaN;
                    case "inf", "+inf", "infinity" -> Double.POSITIVE_INFINITY;
                    case "-inf", "-infinity" -> Double.NEGATIVE_INFINITY;
                    default -> Double.parseDouble(t.replace("_", ""));
                };
            } catch (NumberFormatException e) {
                return dflt;
            }
        }
        return dflt;
    }

    private static Object round(Object v, Object precision, String method) throws TemplateException {
        requireDefined(v);
        if (!PyValues.isNumber(v)) {
            throw TemplateException.render("type " + PyValues.typeName(v) + " doesn't define __round__ method");
        }
        int p = (int) PyValues.asLong(precision);
        double d = PyValues.asDouble(v);
        if (PyValues.isIntLike(v) && method.equals("common")) {
            return PyValues.asLong(v);
        }
        if (!Double.isFinite(d)) {
            return d;
        }
        RoundingMode mode = switch (method) {
            case "common" -> RoundingMode.HALF_EVEN;
            case "ceil" -> RoundingMode.CEILING;
            case "floor" -> RoundingMode.FLOOR;
            default -> throw TemplateException.render("method must be common, ceil or floor");
        };
        return new BigDecimal(d).setScale(p, mode).doubleValue();
    }

    private static String indent(String s, Object width, boolean first, boolean blank) {
        String ind = width instanceof String w ? w : " ".repeat((int) Math.max(0, Math.min(256,
                PyValues.isIntLike(width) ? PyValues.asLong(width) : 4)));
        String nl = "\n";
        String body = s;
        if (body.endsWith(nl)) {
            body = body.substring(0, body.length() - 1);
        }
        StringBuilder sb = new StringBuilder();
        String[] lines = body.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (i > 0) {
                sb.append(nl);
            }
            String line = lines[i];
            boolean doIndent = i == 0 ? first : (blank || !line.isEmpty() && !Methods.strip(line, null, true, true)
                    .isEmpty());
            if (doIndent && (blank || !line.isEmpty() || i == 0)) {
                sb.append(ind);
            }
            sb.append(line);
        }
        if (s.endsWith(nl)) {
            sb.append(nl);
        }
        return sb.toString();
    }

    // ---- tests ----

    boolean test(String name, Object v, List<Object> a) throws TemplateException {
        v = PyValues.unwrap(v);
        Object x = a.isEmpty() ? null : PyValues.unwrap(a.getFirst());
        return switch (name) {
            case "defined" -> !(v instanceof Undefined);
            case "undefined" -> v instanceof Undefined;
            case "none" -> v == null;
            case "string" -> v instanceof String;
            case "mapping" -> v instanceof Map;
            case "iterable" -> v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined;
            case "sequence" -> v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined;
            case "number" -> PyValues.isNumber(v);
            case "integer" -> v instanceof Long;
            case "float" -> v instanceof Double;
            case "boolean" -> v instanceof Boolean;
            case "true" -> Boolean.TRUE.equals(v);
            case "false" -> Boolean.FALSE.equals(v);
            case "callable" -> v instanceof Callable;
            case "equalto", "eq", "==" -> PyValues.equal(v, x);
            case "sameas" -> v == x || (v != null && x != null && v.getClass() == x.getClass() && PyValues.equal(v, x)
                    && (v instanceof Boolean || v instanceof Long || v instanceof String));
            case "ne", "!=" -> !PyValues.equal(v, x);
            case "lt", "lessthan", "<" -> Operators.compare("<", v, x);
            case "le", "<=" -> Operators.compare("<=", v, x);
            case "gt", "greaterthan", ">" -> Operators.compare(">", v, x);
            case "ge", ">=" -> Operators.compare(">=", v, x);
            case "in" -> Operators.contains(x, v);
            case "odd" -> PyValues.equal(Operators.binary("%", v, 2L), 1L);
            case "even" -> PyValues.equal(Operators.binary("%", v, 2L), 0L);
            case "divisibleby" -> PyValues.equal(Operators.binary("%", v, x), 0L);
            case "lower" -> Methods.isLower(PyValues.str(v));
            case "upper" -> Methods.isUpper(PyValues.str(v));
            case "filter" -> true;
            case "test" -> true;
            case "escaped" -> false;
            default -> throw TemplateException.render("No test named '" + name + "'.");
        };
    }
}
