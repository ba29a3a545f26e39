package io.stellarchat.engine.template;

import io.stellarchat.engine.template.PyValues.Undefined;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Python's binary operators and comparisons over template values (int/float/bool promotion as in CPython). */
final class Operators {
    private Operators() {
    }

    static Object binary(String op, Object a, Object b) throws TemplateException {
        if (op.equals("+") && (a instanceof PyValues.Markup || b instanceof PyValues.Markup)) {
            Object x = PyValues.unwrap(a);
            Object y = PyValues.unwrap(b);
            if (x instanceof String s && y instanceof String t) {
                String left = a instanceof PyValues.Markup ? s : Builtins.escape(s);
                String right = b instanceof PyValues.Markup ? t : Builtins.escape(t);
                return new PyValues.Markup(Renderer.checkSize(left + right));
            }
        }
        a = PyValues.unwrap(a);
        b = PyValues.unwrap(b);
        if (a instanceof Undefined u) {
            throw u.error();
        }
        if (b instanceof Undefined u) {
            throw u.error();
        }
        if (PyValues.isNumber(a) && PyValues.isNumber(b)) {
            return arithmetic(op, a, b);
        }
        switch (op) {
            case "+" -> {
                if (a instanceof String s && b instanceof String t) {
                    return Renderer.checkSize(s + t);
                }
                if (a instanceof List<?> x && b instanceof List<?> y && (a instanceof PyValues.Tuple)
                        == (b instanceof PyValues.Tuple)) {
                    if ((long) x.size() + y.size() > Renderer.MAX_ITERATIONS) {
                        throw TemplateException.render("list too long");
                    }
                    List<Object> out = new ArrayList<>(x);
                    out.addAll(y);
                    return a instanceof PyValues.Tuple ? new PyValues.Tuple(out) : out;
                }
                if (a instanceof String) {
                    throw TemplateException.render("can only concatenate str (not \"" + PyValues.typeName(b)
                            + "\") to str");
                }
                if (a instanceof List && !(a instanceof PyValues.Tuple)) {
                    throw TemplateException.render("can only concatenate list (not \"" + PyValues.typeName(b)
                            + "\") to list");
                }
            }
            case "*" -> {
                if (a instanceof String s && PyValues.isIntLike(b)) {
                    return repeat(s, PyValues.asLong(b));
                }
                if (b instanceof String s && PyValues.isIntLike(a)) {
                    return repeat(s, PyValues.asLong(a));
                }
                if (a instanceof List<?> l && PyValues.isIntLike(b)) {
                    return repeat(l, PyValues.asLong(b));
                }
                if (b instanceof List<?> l && PyValues.isIntLike(a)) {
                    return repeat(l, PyValues.asLong(a));
                }
            }
            case "%" -> {
                if (a instanceof String s) {
                    return percentFormat(s, b);
                }
            }
            default -> {
            }
        }
        throw TemplateException.render("unsupported operand type(s) for " + op + ": '" + PyValues.typeName(a)
                + "' and '" + PyValues.typeName(b) + "'");
    }

    private static String repeat(String s, long n) throws TemplateException {
        if (n <= 0 || s.isEmpty()) {
            return "";
        }
        if (n * (long) s.length() > Renderer.MAX_OUTPUT_CHARS || n > Renderer.MAX_OUTPUT_CHARS) {
            throw TemplateException.render("string longer than " + Renderer.MAX_OUTPUT_CHARS + " characters");
        }
        return s.repeat((int) n);
    }

    private static List<Object> repeat(List<?> l, long n) throws TemplateException {
        List<Object> out = new ArrayList<>();
        if (n <= 0) {
            return out;
        }
        if (n * (long) l.size() > Renderer.MAX_ITERATIONS || n > Renderer.MAX_ITERATIONS) {
            throw TemplateException.render("list too long");
        }
        for (long i = 0; i < n; i++) {
            out.addAll(l);
        }
        return out;
    }

    private static Object arithmetic(String op, Object a, Object b) throws TemplateException {
        boolean ints = PyValues.isIntLike(a) && PyValues.isIntLike(b);
        try {
            if (ints) {
                long x = PyValues.asLong(a);
                long y = PyValues.asLong(b);
                return switch (op) {
                    case "+" -> Math.addExact(x, y);
                    case "-" -> Math.subtractExact(x, y);
                    case "*" -> Math.multiplyExact(x, y);
                    case "/" -> {
                        if (y == 0) {
                            throw TemplateException.render("division by zero");
                        }
                        yield (double) x / (double) y;
                    }
                    case "//" -> {
                        if (y == 0) {
                            throw TemplateException.render("integer division or modulo by zero");
                        }
                        yield Math.floorDiv(x, y);
                    }
                    case "%" -> {
                        if (y == 0) {
                            throw TemplateException.render("integer modulo by zero");
                        }
                        yield Math.floorMod(x, y);
                    }
                    case "**" -> {
                        if (y < 0) {
                            yield Math.pow(x, y);
                        }
                        long r = 1;
                        for (long i = 0; i < y; i++) {
                            r = Math.multiplyExact(r, x);
                            if (r == 0 || r == 1 && x == 1) {
                                break;
                            }
                        }
                        yield r;
                    }
                    default -> throw TemplateException.render("unknown operator " + op);
                };
            }
        } catch (ArithmeticException e) {
            throw TemplateException.render("integer overflow in '" + op + "'");
        }
        double x = PyValues.asDouble(a);
        double y = PyValues.asDouble(b);
        return switch (op) {
            case "+" -> x + y;
            case "-" -> x - y;
            case "*" -> x * y;
            case "/" -> {
                if (y == 0) {
                    throw TemplateException.render("float division by zero");
                }
                yield x / y;
            }
            case "//" -> {
                if (y == 0) {
                    throw TemplateException.render("float floor division by zero");
                }
                yield floorDiv(x, y);
            }
            case "%" -> {
                if (y == 0) {
                    throw TemplateException.render("float modulo");
                }
                double m = x % y;
                if (m != 0 && ((m < 0) != (y < 0))) {
                    m += y;
                }
                yield m;
            }
            case "**" -> Math.pow(x, y);
            default -> throw TemplateException.render("unknown operator " + op);
        };
    }

    /** CPython's float floor division (float_floor_div): exact for cases where floor(x / y) rounds wrongly. */
    private static double floorDiv(double x, double y) {
        double mod = x % y;
        double div = (x - mod) / y;
        if (mod != 0 && ((y < 0) != (mod < 0))) {
            div -= 1.0;
        }
        if (div == 0) {
            return Math.copySign(0.0, x / y);
        }
        double floor = Math.floor(div);
        if (div - floor > 0.5) {
            floor += 1.0;
        }
        return floor;
    }

    static boolean compare(String op, Object a, Object b) throws TemplateException {
        return switch (op) {
            case "==" -> PyValues.equal(a, b);
            case "!=" -> !PyValues.equal(a, b);
            case "<" -> PyValues.compare(a, b, op) < 0;
            case "<=" -> PyValues.compare(a, b, op) <= 0;
            case ">" -> PyValues.compare(a, b, op) > 0;
            case ">=" -> PyValues.compare(a, b, op) >= 0;
            case "in" -> contains(b, a);
            case "notin" -> !contains(b, a);
            default -> throw TemplateException.render("unknown comparison " + op);
        };
    }

    /** Python {@code needle in container}. */
    static boolean contains(Object container, Object needle) throws TemplateException {
        container = PyValues.unwrap(container);
        needle = PyValues.unwrap(needle);
        switch (container) {
            case String s -> {
                if (needle instanceof Undefined u) {
                    throw u.error();
                }
                if (!(needle instanceof String n)) {
                    throw TemplateException.render("'in <string>' requires string as left operand, not "
                            + PyValues.typeName(needle));
                }
                return s.contains(n);
            }
            case List<?> l -> {
                for (Object o : l) {
                    if (PyValues.equal(o, needle)) {
                        return true;
                    }
                }
                return false;
            }
            case Map<?, ?> m -> {
                if ((needle instanceof List && !(needle instanceof PyValues.Tuple)) || needle instanceof Map) {
                    throw TemplateException.render("unhashable type: '" + PyValues.typeName(needle) + "'");
                }
                if (m.containsKey(needle)) {
                    return true;
                }
                for (Object k : m.keySet()) {
                    if (PyValues.equal(k, needle)) {
                        return true;
                    }
                }
                return false;
            }
            case Undefined u -> {
                return false;
            }
            case null -> throw TemplateException.render("argument of type 'NoneType' is not iterable");
            default -> throw TemplateException.render("argument of type '" + PyValues.typeName(container)
                    + "' is not iterable");
        }
    }

    /** {@code "fmt" % args}: %s, %r, %d, %i, %f (with precision), %x, %%. */
    static String percentFormat(String fmt, Object argsValue) throws TemplateException {
        List<?> args = argsValue instanceof PyValues.Tuple t ? t : List.of(argsValue == null ? "None" : argsValue);
        if (argsValue == null) {
            args = java.util.Collections.singletonList(null);
        }
        StringBuilder sb = new StringBuilder();
        int ai = 0;
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%') {
                sb.append(c);
                continue;
            }
            int j = i + 1;
            while (j < fmt.length() && "0123456789.-+ #".indexOf(fmt.charAt(j)) >= 0) {
                j++;
            }
            if (j >= fmt.length()) {
                throw TemplateException.render("incomplete format");
            }
            String spec = fmt.substring(i + 1, j);
            char conv = fmt.charAt(j);
            i = j;
            if (conv == '%') {
                sb.append('%');
                continue;
            }
            if (ai >= args.size()) {
                throw TemplateException.render("not enough arguments for format string");
            }
            Object v = args.get(ai++);
            boolean left = spec.contains("-");
            boolean zero = spec.startsWith("0") || spec.matches("[-+ #]*0.*");
            boolean plus = spec.contains("+");
            String dims = spec.replaceAll("^[-+ #0]*", "");
            int dot = dims.indexOf('.');
            int width = dims.isEmpty() || dot == 0 ? 0 : formatSize(dot < 0 ? dims : dims.substring(0, dot), "width");
            int precision = dot < 0 ? -1 : (dot + 1 < dims.length() ? formatSize(dims.substring(dot + 1), "precision") : 0);
            String body;
            boolean numeric = true;
            switch (conv) {
                case 's' -> {
                    body = PyValues.str(v);
                    numeric = false;
                    if (precision >= 0 && body.length() > precision) {
                        body = body.substring(0, precision);
                    }
                }
                case 'r' -> {
                    body = PyValues.repr(v);
                    numeric = false;
                }
                case 'd', 'i' -> body = Long.toString(v instanceof Double d ? (long) (double) d
                        : PyValues.asLong(requireNumber(v)));
                case 'f', 'F' -> body = new java.math.BigDecimal(PyValues.asDouble(requireNumber(v)))
                        .setScale(precision < 0 ? 6 : precision, java.math.RoundingMode.HALF_EVEN).toPlainString();
                case 'x' -> body = Long.toHexString(PyValues.asLong(requireNumber(v)));
                default -> throw TemplateException.render("unsupported format character '" + conv + "'");
            }
            if (numeric && plus && !body.startsWith("-")) {
                body = "+" + body;
            }
            if (body.length() < width) {
                int fill = width - body.length();
                if (left) {
                    body = body + " ".repeat(fill);
                } else if (zero && numeric) {
                    boolean sign = body.startsWith("-") || body.startsWith("+");
                    body = (sign ? body.substring(0, 1) : "") + "0".repeat(fill) + (sign ? body.substring(1) : body);
                } else {
                    body = " ".repeat(fill) + body;
                }
            }
            sb.append(body);
        }
        boolean mappingArg = argsValue instanceof Map || (argsValue instanceof List && !(argsValue instanceof
                PyValues.Tuple));
        if (ai < args.size() && !(mappingArg && ai == 0)) {
            throw TemplateException.render("not all arguments converted during string formatting");
        }
        return Renderer.checkSize(sb.toString());
    }

    /**
     * A width or precision of a format spec, refused before any text is built when it could not fit the output
     * limit ({@code '%.900000000f' % x} would otherwise build 900 million digits) or is not a plain number.
     */
    static int formatSize(String digits, String what) throws TemplateException {
        if (digits.isEmpty() || digits.length() > 7 || !digits.chars().allMatch(Character::isDigit)
                || Integer.parseInt(digits) > Renderer.MAX_OUTPUT_CHARS) {
            throw TemplateException.render("format " + what + " too large or malformed: '" + digits + "'");
        }
        return Integer.parseInt(digits);
    }

    private static Object requireNumber(Object v) throws TemplateException {
        if (!PyValues.isNumber(v)) {
            throw TemplateException.render("a real number is required, not " + PyValues.typeName(v));
        }
        return v;
    }
}
