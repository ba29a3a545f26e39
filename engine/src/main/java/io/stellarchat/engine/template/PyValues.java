package io.stellarchat.engine.template;

import java.math.BigDecimal;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Python value semantics over the Java values a render sees.
 *
 * <p>Value model: {@code null} is None; {@link String}; {@link Boolean}; {@link Long} (Python int) and
 * {@link Double} (float); {@link List} (a Python list; {@link Tuple} for tuples); {@link Map} with insertion order
 * (dict); {@link Undefined}; {@link Namespace}; {@link Callable} (macros, globals, bound methods); {@link Loop}.
 * These rules follow CPython: {@code str()}, {@code repr()}, truthiness, {@code ==} across int/float/bool,
 * ordering, and {@code str.isspace}.
 */
final class PyValues {
    private PyValues() {
    }

    /** jinja2's default Undefined: prints as "", is falsy, iterates as empty, fails on most other use. */
    record Undefined(String hint) {
        TemplateException error() {
            return TemplateException.render(hint);
        }
    }

    /**
     * A {@code markupsafe.Markup} string (from {@code |safe} or {@code |escape}): {@code +} with a plain string
     * HTML-escapes the plain side, as Python does; everywhere else it behaves as its text.
     */
    record Markup(String text) {
    }

    /** A value too large to print: thrown from deep inside {@code str()}/{@code repr()}, turned into a render error. */
    static final class TooLarge extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TooLarge(String message) {
            super(message, null, false, false);
        }
    }

    static Object unwrap(Object v) {
        return v instanceof Markup m ? m.text() : v;
    }

    /** A Python tuple: an immutable list that prints with parentheses. */
    static final class Tuple extends AbstractList<Object> {
        private final List<Object> items;

        Tuple(List<Object> items) {
            this.items = items;
        }

        @Override
        public Object get(int index) {
            return items.get(index);
        }

        @Override
        public int size() {
            return items.size();
        }
    }

    /** jinja2's {@code namespace()}: the one object a template may mutate, by {@code set ns.attr = v}. */
    static final class Namespace {
        final Map<String, Object> attrs = new LinkedHashMap<>();
    }

    /** Something a template can call: a macro, a global function or a bound method. */
    @FunctionalInterface
    interface Callable {
        Object call(List<Object> args, Map<String, Object> kwargs) throws TemplateException;
    }

    /** The {@code loop} variable of a for loop (one per loop, advanced per iteration). */
    static final class Loop {
        final List<Object> items;
        int index0;

        Loop(List<Object> items) {
            this.items = items;
        }

        Object attr(String name) {
            int n = items.size();
            return switch (name) {
                case "index" -> (long) index0 + 1;
                case "index0" -> (long) index0;
                case "revindex" -> (long) (n - index0);
                case "revindex0" -> (long) (n - index0 - 1);
                case "first" -> index0 == 0;
                case "last" -> index0 == n - 1;
                case "length" -> (long) n;
                case "depth" -> 1L;
                case "depth0" -> 0L;
                case "previtem" -> index0 > 0 ? items.get(index0 - 1) : new Undefined("there is no previous item");
                case "nextitem" -> index0 < n - 1 ? items.get(index0 + 1) : new Undefined("there is no next item");
                case "cycle" -> (Callable) (args, kw) -> {
                    if (args.isEmpty()) {
                        throw TemplateException.render("no items for cycling given");
                    }
                    return args.get(index0 % args.size());
                };
                case "changed" -> new Undefined("loop.changed is not supported");
                default -> new Undefined("'LoopContext' object has no attribute '" + name + "'");
            };
        }
    }

    static String typeName(Object v) {
        v = unwrap(v);
        if (v == null) {
            return "NoneType";
        }
        if (v instanceof String) {
            return "str";
        }
        if (v instanceof Boolean) {
            return "bool";
        }
        if (v instanceof Long) {
            return "int";
        }
        if (v instanceof Double) {
            return "float";
        }
        if (v instanceof Tuple) {
            return "tuple";
        }
        if (v instanceof List) {
            return "list";
        }
        if (v instanceof Map) {
            return "dict";
        }
        if (v instanceof Undefined) {
            return "Undefined";
        }
        if (v instanceof Namespace) {
            return "Namespace";
        }
        if (v instanceof Loop) {
            return "LoopContext";
        }
        return "function";
    }

    static boolean truthy(Object v) {
        v = unwrap(v);
        if (v == null || v instanceof Undefined) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof Long l) {
            return l != 0;
        }
        if (v instanceof Double d) {
            return d != 0.0;
        }
        if (v instanceof String s) {
            return !s.isEmpty();
        }
        if (v instanceof List<?> l) {
            return !l.isEmpty();
        }
        if (v instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        return true;
    }

    /** Python {@code str(v)}, with Undefined printing as the empty string. */
    static String str(Object v) {
        v = unwrap(v);
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Undefined) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        repr(v, sb, 0);
        return sb.toString();
    }

    static String repr(Object v) {
        StringBuilder sb = new StringBuilder();
        repr(v, sb, 0);
        return sb.toString();
    }

    private static void repr(Object v, StringBuilder sb, int depth) {
        if (sb.length() > Renderer.MAX_OUTPUT_CHARS) {
            throw new TooLarge("value too large to print (over " + Renderer.MAX_OUTPUT_CHARS + " characters)");
        }
        if (depth > 200) {
            sb.append("...");
            return;
        }
        switch (v) {
            case null -> sb.append("None");
            case Boolean b -> sb.append(b ? "True" : "False");
            case Long l -> sb.append(l);
            case Double d -> sb.append(floatRepr(d));
            case String s -> reprString(s, sb);
            case Markup m -> {
                sb.append("Markup(");
                reprString(m.text(), sb);
                sb.append(')');
            }
            case Undefined u -> sb.append("");
            case Tuple t -> {
                sb.append('(');
                for (int i = 0; i < t.size(); i++) {
                    if (i > 0) {
                        sb.append(", ");
                    }
                    repr(t.get(i), sb, depth + 1);
                }
                sb.append(t.size() == 1 ? ",)" : ")");
            }
            case List<?> l -> {
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) {
                        sb.append(", ");
                    }
                    repr(l.get(i), sb, depth + 1);
                }
                sb.append(']');
            }
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) {
                        sb.append(", ");
                    }
                    first = false;
                    repr(e.getKey(), sb, depth + 1);
                    sb.append(": ");
                    repr(e.getValue(), sb, depth + 1);
                }
                sb.append('}');
            }
            case Namespace ns -> {
                sb.append("<Namespace ");
                repr(ns.attrs, sb, depth + 1);
                sb.append('>');
            }
            default -> sb.append("<").append(typeName(v)).append(" object>");
        }
    }

    static void reprString(String s, StringBuilder sb) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        sb.append(quote);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == quote || cp == '\\') {
                sb.append('\\').appendCodePoint(cp);
            } else if (cp == '\n') {
                sb.append("\\n");
            } else if (cp == '\r') {
                sb.append("\\r");
            } else if (cp == '\t') {
                sb.append("\\t");
            } else if (isPrintable(cp)) {
                sb.appendCodePoint(cp);
            } else if (cp <= 0xff) {
                sb.append(String.format("\\x%02x", cp));
            } else if (cp <= 0xffff) {
                sb.append(String.format("\\u%04x", cp));
            } else {
                sb.append(String.format("\\U%08x", cp));
            }
        }
        sb.append(quote);
    }

    /** CPython's {@code str.isprintable} for one code point: not Cc, Cf, Cs, Co, Cn, Zl, Zp, or Zs other than space. */
    private static boolean isPrintable(int cp) {
        if (cp == ' ') {
            return true;
        }
        int t = Character.getType(cp);
        return switch (t) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                 Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }

    /** Python's {@code repr(float)}: shortest round-trip digits, scientific below 1e-4 and from 1e16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0.0) {
            return (1.0 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        String digits = bd.unscaledValue().abs().toString();
        int exp = digits.length() - 1 - bd.scale();
        String sign = d < 0 ? "-" : "";
        if (exp >= -4 && exp < 16) {
            String plain = bd.abs().toPlainString();
            if (plain.indexOf('.') < 0) {
                plain = plain + ".0";
            }
            return sign + plain;
        }
        StringBuilder sb = new StringBuilder(sign);
        sb.append(digits.charAt(0));
        if (digits.length() > 1) {
            sb.append('.').append(digits, 1, digits.length());
        }
        sb.append('e').append(exp < 0 ? '-' : '+');
        int ae = Math.abs(exp);
        if (ae < 10) {
            sb.append('0');
        }
        sb.append(ae);
        return sb.toString();
    }

    static boolean isNumber(Object v) {
        return v instanceof Long || v instanceof Double || v instanceof Boolean;
    }

    static boolean isIntLike(Object v) {
        return v instanceof Long || v instanceof Boolean;
    }

    static long asLong(Object v) {
        return v instanceof Boolean b ? (b ? 1L : 0L) : (Long) v;
    }

    static double asDouble(Object v) {
        if (v instanceof Double d) {
            return d;
        }
        return asLong(v);
    }

    /** Python {@code a == b}. */
    static boolean equal(Object a, Object b) {
        a = unwrap(a);
        b = unwrap(b);
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (isNumber(a) && isNumber(b)) {
            if (isIntLike(a) && isIntLike(b)) {
                return asLong(a) == asLong(b);
            }
            return asDouble(a) == asDouble(b);
        }
        if (a instanceof String s && b instanceof String t) {
            return s.equals(t);
        }
        if (a instanceof Undefined && b instanceof Undefined) {
            return true;
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if ((a instanceof Tuple) != (b instanceof Tuple) || x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!equal(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : x.entrySet()) {
                if (!y.containsKey(e.getKey()) || !equal(e.getValue(), y.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    /** Python ordering for {@code < <= > >=} and sorting; a TypeError for unorderable pairs. */
    static int compare(Object a, Object b, String op) throws TemplateException {
        a = unwrap(a);
        b = unwrap(b);
        if (isNumber(a) && isNumber(b)) {
            if (isIntLike(a) && isIntLike(b)) {
                return Long.compare(asLong(a), asLong(b));
            }
            return Double.compare(asDouble(a), asDouble(b));
        }
        if (a instanceof String s && b instanceof String t) {
            return compareCodePoints(s, t);
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
                if (!equal(x.get(i), y.get(i))) {
                    return compare(x.get(i), y.get(i), op);
                }
            }
            return Integer.compare(x.size(), y.size());
        }
        if (a instanceof Undefined u) {
            throw u.error();
        }
        if (b instanceof Undefined u) {
            throw u.error();
        }
        throw TemplateException.render("'" + op + "' not supported between instances of '" + typeName(a)
                + "' and '" + typeName(b) + "'");
    }

    static int compareCodePoints(String s, String t) {
        int i = 0;
        int j = 0;
        while (i < s.length() && j < t.length()) {
            int a = s.codePointAt(i);
            int b = t.codePointAt(j);
            if (a != b) {
                return Integer.compare(a, b);
            }
            i += Character.charCount(a);
            j += Character.charCount(b);
        }
        return Integer.compare(s.length() - i, t.length() - j);
    }

    /** CPython's {@code str.isspace} for one char (all Python whitespace is in the BMP). */
    static boolean isSpace(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == 0x85 || (c >= 0x1c && c <= 0x1f);
    }

    static boolean hasSurrogates(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isSurrogate(s.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    /** Python {@code len(str)}: code points. */
    static int length(String s) {
        return hasSurrogates(s) ? s.codePointCount(0, s.length()) : s.length();
    }

    /** The characters of a string as Python sees them: one entry per code point. */
    static List<Object> chars(String s) {
        List<Object> out = new ArrayList<>(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int n = Character.charCount(cp);
            out.add(s.substring(i, i + n));
            i += n;
        }
        return out;
    }

    /** Iterates a value the way a Python for loop would (dict: keys; str: characters; Undefined: nothing). */
    static List<Object> iterate(Object v) throws TemplateException {
        v = unwrap(v);
        if (v instanceof List<?> l) {
            return new ArrayList<>(l);
        }
        if (v instanceof Map<?, ?> m) {
            return new ArrayList<>(m.keySet());
        }
        if (v instanceof String s) {
            return chars(s);
        }
        if (v instanceof Undefined) {
            return new ArrayList<>();
        }
        throw TemplateException.render("'" + typeName(v) + "' object is not iterable");
    }
}
