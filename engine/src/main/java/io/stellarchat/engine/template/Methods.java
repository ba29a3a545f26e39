package io.stellarchat.engine.template;

import io.stellarchat.engine.template.PyValues.Callable;
import io.stellarchat.engine.template.PyValues.Tuple;
import io.stellarchat.engine.template.PyValues.Undefined;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Python methods a template may call on strings, dicts and lists, as bound {@link Callable}s. Methods that
 * mutate a list or dict resolve to an "unsafe" Undefined, as in jinja2's ImmutableSandboxedEnvironment: calling
 * them fails with a SecurityError-like message.
 */
final class Methods {
    private static final Set<String> UNSAFE_LIST = Set.of("append", "extend", "insert", "pop", "remove", "clear",
            "sort", "reverse", "__setitem__", "__delitem__");
    private static final Set<String> UNSAFE_DICT = Set.of("update", "pop", "popitem", "setdefault", "clear",
            "__setitem__", "__delitem__");

    private Methods() {
    }

    /** The bound method {@code obj.name}, an unsafe Undefined for mutators, or null when there is none. */
    static Object lookup(Object obj, String name) {
        obj = PyValues.unwrap(obj);
        if (obj instanceof String s) {
            return stringMethod(s, name);
        }
        if (obj instanceof Map<?, ?> m) {
            if (UNSAFE_DICT.contains(name)) {
                return unsafe(name, "dict");
            }
            return dictMethod(m, name);
        }
        if (obj instanceof List<?> l) {
            if (l instanceof Tuple) {
                return listMethod(l, name);
            }
            if (UNSAFE_LIST.contains(name)) {
                return unsafe(name, "list");
            }
            return listMethod(l, name);
        }
        return null;
    }

    private static Undefined unsafe(String name, String type) {
        return new Undefined("access to attribute '" + name + "' of '" + type + "' object is unsafe.");
    }

    private static Object arg(List<Object> args, Map<String, Object> kw, int i, String name, Object dflt) {
        if (i < args.size()) {
            return args.get(i);
        }
        return kw.containsKey(name) ? kw.get(name) : dflt;
    }

    private static String strArg(List<Object> args, Map<String, Object> kw, int i, String name, String method)
            throws TemplateException {
        Object v = PyValues.unwrap(arg(args, kw, i, name, null));
        if (v == null) {
            return null;
        }
        if (v instanceof Undefined u) {
            throw u.error();
        }
        if (!(v instanceof String s)) {
            throw TemplateException.render(method + " arg must be None or str");
        }
        return s;
    }

    private static Callable dictMethod(Map<?, ?> m, String name) {
        return switch (name) {
            case "items" -> (a, k) -> {
                List<Object> out = new ArrayList<>();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    out.add(new Tuple(java.util.Arrays.asList(e.getKey(), e.getValue())));
                }
                return out;
            };
            case "keys" -> (a, k) -> new ArrayList<Object>(m.keySet());
            case "values" -> (a, k) -> new ArrayList<Object>(m.values());
            case "get" -> (a, k) -> {
                Object key = arg(a, k, 0, "key", null);
                Object dflt = arg(a, k, 1, "default", null);
                if (m.containsKey(key)) {
                    return m.get(key);
                }
                for (Object kk : m.keySet()) {
                    if (PyValues.equal(kk, key)) {
                        return m.get(kk);
                    }
                }
                return dflt;
            };
            case "copy" -> (a, k) -> new java.util.LinkedHashMap<Object, Object>(m);
            default -> null;
        };
    }

    private static Callable listMethod(List<?> l, String name) {
        return switch (name) {
            case "index" -> (a, k) -> {
                for (int i = 0; i < l.size(); i++) {
                    if (PyValues.equal(l.get(i), arg(a, k, 0, "value", null))) {
                        return (long) i;
                    }
                }
                throw TemplateException.render(PyValues.repr(arg(a, k, 0, "value", null)) + " is not in list");
            };
            case "count" -> (a, k) -> {
                long n = 0;
                for (Object o : l) {
                    if (PyValues.equal(o, arg(a, k, 0, "value", null))) {
                        n++;
                    }
                }
                return n;
            };
            case "copy" -> (a, k) -> new ArrayList<Object>(l);
            default -> null;
        };
    }

    private static Callable stringMethod(String s, String name) {
        return switch (name) {
            case "strip" -> (a, k) -> strip(s, strArg(a, k, 0, "chars", "strip"), true, true);
            case "lstrip" -> (a, k) -> strip(s, strArg(a, k, 0, "chars", "lstrip"), true, false);
            case "rstrip" -> (a, k) -> strip(s, strArg(a, k, 0, "chars", "rstrip"), false, true);
            case "lower", "casefold" -> (a, k) -> s.toLowerCase(java.util.Locale.ROOT);
            case "upper" -> (a, k) -> s.toUpperCase(java.util.Locale.ROOT);
            case "title" -> (a, k) -> title(s);
            case "capitalize" -> (a, k) -> capitalize(s);
            case "swapcase" -> (a, k) -> {
                StringBuilder sb = new StringBuilder();
                s.codePoints().forEach(c -> sb.appendCodePoint(Character.isUpperCase(c) ? Character.toLowerCase(c)
                        : Character.toUpperCase(c)));
                return sb.toString();
            };
            case "startswith" -> (a, k) -> affix(s, arg(a, k, 0, "prefix", null), true);
            case "endswith" -> (a, k) -> affix(s, arg(a, k, 0, "suffix", null), false);
            case "split" -> (a, k) -> split(s, strArg(a, k, 0, "sep", "split"), maxsplit(arg(a, k, 1, "maxsplit", -1L)));
            case "rsplit" -> (a, k) -> rsplit(s, strArg(a, k, 0, "sep", "rsplit"),
                    maxsplit(arg(a, k, 1, "maxsplit", -1L)));
            case "splitlines" -> (a, k) -> splitlines(s, PyValues.truthy(arg(a, k, 0, "keepends", false)));
            case "replace" -> (a, k) -> replace(s, strArg(a, k, 0, "old", "replace"),
                    strArg(a, k, 1, "new", "replace"), maxsplit(arg(a, k, 2, "count", -1L)));
            case "find" -> (a, k) -> (long) cpIndex(s, s.indexOf(requireStr(arg(a, k, 0, "sub", null))));
            case "rfind" -> (a, k) -> (long) cpIndex(s, s.lastIndexOf(requireStr(arg(a, k, 0, "sub", null))));
            case "index" -> (a, k) -> {
                int i = s.indexOf(requireStr(arg(a, k, 0, "sub", null)));
                if (i < 0) {
                    throw TemplateException.render("substring not found");
                }
                return (long) cpIndex(s, i);
            };
            case "count" -> (a, k) -> {
                String sub = requireStr(arg(a, k, 0, "sub", null));
                if (sub.isEmpty()) {
                    return (long) PyValues.length(s) + 1;
                }
                long n = 0;
                for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) {
                    n++;
                }
                return n;
            };
            case "join" -> (a, k) -> {
                StringBuilder sb = new StringBuilder();
                boolean first = true;
                for (Object o : PyValues.iterate(arg(a, k, 0, "iterable", null))) {
                    if (!first) {
                        sb.append(s);
                    }
                    first = false;
                    if (!(o instanceof String str)) {
                        throw TemplateException.render("sequence item: expected str instance, "
                                + PyValues.typeName(o) + " found");
                    }
                    sb.append(str);
                    if (sb.length() > Renderer.MAX_OUTPUT_CHARS) {
                        Renderer.checkSize(sb.toString());
                    }
                }
                return sb.toString();
            };
            case "format" -> (a, k) -> format(s, a, k);
            case "isdigit", "isnumeric", "isdecimal" -> (a, k) -> !s.isEmpty() && s.codePoints().allMatch(
                    Character::isDigit);
            case "isalpha" -> (a, k) -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isalnum" -> (a, k) -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            case "isspace" -> (a, k) -> !s.isEmpty() && s.chars().allMatch(PyValues::isSpace);
            case "islower" -> (a, k) -> isLower(s);
            case "isupper" -> (a, k) -> isUpper(s);
            case "removeprefix" -> (a, k) -> {
                String p = requireStr(arg(a, k, 0, "prefix", null));
                return s.startsWith(p) ? s.substring(p.length()) : s;
            };
            case "removesuffix" -> (a, k) -> {
                String p = requireStr(arg(a, k, 0, "suffix", null));
                return s.endsWith(p) && !p.isEmpty() ? s.substring(0, s.length() - p.length()) : s;
            };
            case "partition", "rpartition" -> (a, k) -> {
                String sep = requireStr(arg(a, k, 0, "sep", null));
                int i = name.equals("partition") ? s.indexOf(sep) : s.lastIndexOf(sep);
                if (i < 0) {
                    return name.equals("partition") ? new Tuple(List.of(s, "", "")) : new Tuple(List.of("", "", s));
                }
                return new Tuple(List.of(s.substring(0, i), sep, s.substring(i + sep.length())));
            };
            case "zfill" -> (a, k) -> {
                int w = width(arg(a, k, 0, "width", 0L));
                int n = PyValues.length(s);
                if (n >= w) {
                    return s;
                }
                boolean sign = s.startsWith("-") || s.startsWith("+");
                return (sign ? s.substring(0, 1) : "") + "0".repeat(w - n) + (sign ? s.substring(1) : s);
            };
            case "center", "ljust", "rjust" -> (a, k) -> {
                int w = width(arg(a, k, 0, "width", 0L));
                String fill = (String) arg(a, k, 1, "fillchar", " ");
                return justify(s, w, fill, name);
            };
            default -> null;
        };
    }

    /** Python {@code str.islower}: some cased character, and none upper- or titlecase. */
    static boolean isLower(String s) {
        return s.codePoints().anyMatch(Character::isLowerCase)
                && s.codePoints().noneMatch(c -> Character.isUpperCase(c) || Character.isTitleCase(c));
    }

    static boolean isUpper(String s) {
        return s.codePoints().anyMatch(Character::isUpperCase)
                && s.codePoints().noneMatch(c -> Character.isLowerCase(c) || Character.isTitleCase(c));
    }

    /** A padding width: a Python int, at most the output limit (jinja2 would build the huge string and fail). */
    static int width(Object v) throws TemplateException {
        v = PyValues.unwrap(v);
        if (!PyValues.isIntLike(v)) {
            throw TemplateException.render("'" + PyValues.typeName(v) + "' object cannot be interpreted as an integer");
        }
        long w = PyValues.asLong(v);
        if (w > Renderer.MAX_OUTPUT_CHARS) {
            throw TemplateException.render("string longer than " + Renderer.MAX_OUTPUT_CHARS + " characters");
        }
        return (int) w;
    }

    static String justify(String s, int width, String fill, String how) {
        int n = PyValues.length(s);
        if (n >= width) {
            return s;
        }
        int pad = width - n;
        return switch (how) {
            case "ljust" -> s + fill.repeat(pad);
            case "rjust" -> fill.repeat(pad) + s;
            default -> {
                int left = pad / 2 + (pad & width & 1);
                yield fill.repeat(left) + s + fill.repeat(pad - left);
            }
        };
    }

    private static String requireStr(Object v) throws TemplateException {
        v = PyValues.unwrap(v);
        if (v instanceof Undefined u) {
            throw u.error();
        }
        if (!(v instanceof String s)) {
            throw TemplateException.render("must be str, not " + PyValues.typeName(v));
        }
        return s;
    }

    private static int cpIndex(String s, int charIndex) {
        return charIndex < 0 ? -1 : s.codePointCount(0, charIndex);
    }

    private static long maxsplit(Object v) throws TemplateException {
        if (!PyValues.isIntLike(v)) {
            throw TemplateException.render("'" + PyValues.typeName(v) + "' object cannot be interpreted as an integer");
        }
        return PyValues.asLong(v);
    }

    static String strip(String s, String chars, boolean left, boolean right) {
        int b = 0;
        int e = s.length();
        if (chars == null) {
            while (left && b < e && PyValues.isSpace(s.charAt(b))) {
                b++;
            }
            while (right && e > b && PyValues.isSpace(s.charAt(e - 1))) {
                e--;
            }
        } else {
            while (left && b < e && chars.indexOf(s.codePointAt(b)) >= 0) {
                b += Character.charCount(s.codePointAt(b));
            }
            while (right && e > b && chars.indexOf(s.codePointBefore(e)) >= 0) {
                e -= Character.charCount(s.codePointBefore(e));
            }
        }
        return s.substring(b, e);
    }

    private static boolean affix(String s, Object arg, boolean prefix) throws TemplateException {
        if (arg instanceof List<?> l) {
            for (Object o : l) {
                if (affix(s, o, prefix)) {
                    return true;
                }
            }
            return false;
        }
        String a = requireStr(arg);
        return prefix ? s.startsWith(a) : s.endsWith(a);
    }

    static List<Object> split(String s, String sep, long maxsplit) throws TemplateException {
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && PyValues.isSpace(s.charAt(i))) {
                    i++;
                }
                if (i >= n) {
                    break;
                }
                if (maxsplit >= 0 && out.size() >= maxsplit) {
                    out.add(s.substring(i));
                    break;
                }
                int j = i;
                while (j < n && !PyValues.isSpace(s.charAt(j))) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        if (sep.isEmpty()) {
            throw TemplateException.render("empty separator");
        }
        int i = 0;
        while (maxsplit < 0 || out.size() < maxsplit) {
            int j = s.indexOf(sep, i);
            if (j < 0) {
                break;
            }
            out.add(s.substring(i, j));
            i = j + sep.length();
        }
        out.add(s.substring(i));
        return out;
    }

    static List<Object> rsplit(String s, String sep, long maxsplit) throws TemplateException {
        if (maxsplit < 0) {
            return split(s, sep, -1);
        }
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int e = s.length();
            while (true) {
                while (e > 0 && PyValues.isSpace(s.charAt(e - 1))) {
                    e--;
                }
                if (e <= 0) {
                    break;
                }
                if (out.size() >= maxsplit) {
                    out.addFirst(s.substring(0, e));
                    break;
                }
                int b = e;
                while (b > 0 && !PyValues.isSpace(s.charAt(b - 1))) {
                    b--;
                }
                out.addFirst(s.substring(b, e));
                e = b;
            }
            return out;
        }
        if (sep.isEmpty()) {
            throw TemplateException.render("empty separator");
        }
        int e = s.length();
        while (out.size() < maxsplit) {
            int j = s.lastIndexOf(sep, e - sep.length());
            if (j < 0) {
                break;
            }
            out.addFirst(s.substring(j + sep.length(), e));
            e = j;
        }
        out.addFirst(s.substring(0, e));
        return out;
    }

    private static List<Object> splitlines(String s, boolean keepends) {
        List<Object> out = new ArrayList<>();
        int i = 0;
        int start = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            int eol = -1;
            if (c == '\r' && i + 1 < n && s.charAt(i + 1) == '\n') {
                eol = 2;
            } else if (c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0x1c || c == 0x1d || c == 0x1e
                    || c == 0x85 || c == 0x2028 || c == 0x2029) {
                eol = 1;
            }
            if (eol > 0) {
                out.add(s.substring(start, keepends ? i + eol : i));
                i += eol;
                start = i;
            } else {
                i++;
            }
        }
        if (start < n) {
            out.add(s.substring(start));
        }
        return out;
    }

    private static String replace(String s, String old, String rep, long count) throws TemplateException {
        if (old == null || rep == null) {
            throw TemplateException.render("replace() takes at least 2 arguments");
        }
        long occurrences = old.isEmpty() ? PyValues.length(s) + 1L : countOf(s, old);
        if (count >= 0) {
            occurrences = Math.min(occurrences, count);
        }
        if (s.length() + occurrences * (rep.length() - (long) old.length()) > Renderer.MAX_OUTPUT_CHARS) {
            throw TemplateException.render("string longer than " + Renderer.MAX_OUTPUT_CHARS + " characters");
        }
        if (count < 0) {
            return s.replace(old, rep);
        }
        StringBuilder sb = new StringBuilder();
        int i = 0;
        long done = 0;
        if (old.isEmpty()) {
            return Renderer.checkSize(s.replace(old, rep));
        }
        while (done < count) {
            int j = s.indexOf(old, i);
            if (j < 0) {
                break;
            }
            sb.append(s, i, j).append(rep);
            i = j + old.length();
            done++;
        }
        sb.append(s.substring(i));
        return Renderer.checkSize(sb.toString());
    }

    private static long countOf(String s, String sub) {
        long n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) {
            n++;
        }
        return n;
    }

    /** Python {@code str.title}: uppercase after a non-letter, lowercase after a letter. */
    static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean prevCased = false;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            if (Character.isLetter(c)) {
                sb.appendCodePoint(prevCased ? Character.toLowerCase(c) : Character.toTitleCase(c));
                prevCased = true;
            } else {
                sb.appendCodePoint(c);
                prevCased = false;
            }
        }
        return sb.toString();
    }

    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int c = s.codePointAt(0);
        int n = Character.charCount(c);
        return new StringBuilder().appendCodePoint(Character.toTitleCase(c)).append(
                s.substring(n).toLowerCase(java.util.Locale.ROOT)).toString();
    }

    /** Python {@code str.format} for {@code {}}, {@code {0}}, {@code {name}} and {@code {{ }}} escapes. */
    static String format(String fmt, List<Object> args, Map<String, Object> kw) throws TemplateException {
        StringBuilder sb = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c == '{') {
                if (i + 1 < fmt.length() && fmt.charAt(i + 1) == '{') {
                    sb.append('{');
                    i++;
                    continue;
                }
                int e = fmt.indexOf('}', i);
                if (e < 0) {
                    throw TemplateException.render("Single '{' encountered in format string");
                }
                String field = fmt.substring(i + 1, e);
                int colon = field.indexOf(':');
                String spec = colon >= 0 ? field.substring(colon + 1) : "";
                String key = colon >= 0 ? field.substring(0, colon) : field;
                Object v;
                if (key.isEmpty()) {
                    if (auto >= args.size()) {
                        throw TemplateException.render("Replacement index " + auto + " out of range");
                    }
                    v = args.get(auto++);
                } else if (key.chars().allMatch(Character::isDigit)) {
                    int idx = Integer.parseInt(key);
                    if (idx >= args.size()) {
                        throw TemplateException.render("Replacement index " + idx + " out of range");
                    }
                    v = args.get(idx);
                } else {
                    if (!kw.containsKey(key)) {
                        throw TemplateException.render("'" + key + "'");
                    }
                    v = kw.get(key);
                }
                String text = PyValues.str(v);
                if (!spec.isEmpty()) {
                    if (spec.matches("\\.\\d+f") && PyValues.isNumber(v)) {
                        int precision = Operators.formatSize(spec.substring(1, spec.length() - 1), "precision");
                        text = String.format("%." + precision + "f", PyValues.asDouble(v));
                    } else if (spec.matches("[<>^]?\\d+")) {
                        String digits = spec.replaceAll("[<>^]", "");
                        if (digits.length() > 7 || Integer.parseInt(digits) > Renderer.MAX_OUTPUT_CHARS) {
                            throw TemplateException.render("format width too large");
                        }
                        int w = Integer.parseInt(digits);
                        char align = Character.isDigit(spec.charAt(0)) ? (v instanceof String ? '<' : '>')
                                : spec.charAt(0);
                        text = justify(text, w, " ", align == '<' ? "ljust" : align == '>' ? "rjust" : "center");
                    }
                }
                sb.append(text);
                i = e;
            } else if (c == '}') {
                if (i + 1 < fmt.length() && fmt.charAt(i + 1) == '}') {
                    i++;
                }
                sb.append('}');
            } else {
                sb.append(c);
            }
        }
        return Renderer.checkSize(sb.toString());
    }
}
