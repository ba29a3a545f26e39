package io.stellarchat.engine.sampling;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A JSON Schema (draft 2020-12 / OpenAI structured-output subset) as {@link Expr} rules whose language is
 * a set of documents the schema accepts.
 *
 * <p><b>Supported keywords.</b> {@code type} (a name or an array of names), {@code properties},
 * {@code required}, {@code additionalProperties} (false, true or a schema; absent = no extra properties
 * generated beside declared ones, and any object when none are declared), {@code enum}, {@code const}, {@code items} (schema or false), {@code prefixItems},
 * {@code minItems}, {@code maxItems}, {@code anyOf}, {@code oneOf} (as anyOf: branches that overlap may
 * yield a document two branches accept), {@code allOf} (of object schemas, merged), {@code $ref} to
 * {@code #}, {@code #/$defs/…} or {@code #/definitions/…} (recursion allowed), {@code $defs},
 * {@code definitions}, {@code minLength}, {@code maxLength}, {@code pattern} ({@link RegexCompiler}),
 * {@code format} {@code date}, {@code date-time}, {@code time}, {@code uuid}, {@code email}, and for
 * integers {@code minimum}, {@code maximum}, {@code exclusiveMinimum}, {@code exclusiveMaximum} (any
 * values within 16 digits), for numbers the same bounds when they are whole and non-negative.
 * Annotations ({@code title}, {@code description}, {@code $schema}, {@code $id}, {@code $comment},
 * {@code examples}, {@code default}, {@code deprecated}, {@code readOnly}, {@code writeOnly}) are
 * accepted and ignored. Anything else — or a supported keyword with a value we cannot express — is
 * <em>unsupported</em>: with {@code strict} a {@link GrammarException} names it and its JSON pointer,
 * otherwise it is ignored and listed in {@link #ignored()}.
 *
 * <p><b>Objects.</b> Properties come in declared order; each required one appears, each optional one may.
 * For property i two rules say what may follow: {@code F_i} (no property written yet, so no comma) and
 * {@code T_i} (one was, so each next one starts with a comma).
 *
 * <p>Single use, not thread-safe.
 */
final class JsonSchemaCompiler {
    private static final Set<String> ANNOTATIONS = Set.of("title", "description", "$schema", "$id", "$comment",
            "examples", "default", "deprecated", "readOnly", "writeOnly", "$anchor", "contentMediaType",
            "contentEncoding");
    private static final Set<String> SUPPORTED = Set.of("type", "properties", "required", "additionalProperties",
            "enum", "const", "items", "prefixItems", "minItems", "maxItems", "anyOf", "oneOf", "allOf", "$ref",
            "$defs", "definitions", "minLength", "maxLength", "pattern", "format", "minimum", "maximum",
            "exclusiveMinimum", "exclusiveMaximum");
    private static final List<String> TYPES = List.of("object", "array", "string", "integer", "number", "boolean",
            "null");
    private static final long MAX_INT = 9_999_999_999_999_999L; // 16 digits

    private final Object root;
    private final boolean strict;
    private final JsonRules r = new JsonRules();
    private final List<String> ignored = new ArrayList<>();
    private final Map<String, String> refRules = new HashMap<>(); // pointer -> rule name

    JsonSchemaCompiler(Object root, boolean strict) {
        this.root = root;
        this.strict = strict;
    }

    List<String> ignored() {
        return ignored;
    }

    Map<String, Expr> compile() {
        Expr e = schema(root, "");
        r.rules.put("root", e);
        return r.rules;
    }

    private void unsupported(String keyword, String path, String why) {
        String where = path + "/" + keyword.replace("~", "~0").replace("/", "~1");
        if (strict) {
            throw new GrammarException("unsupported JSON Schema keyword '" + keyword + "' at " + where
                    + (why == null ? "" : ": " + why));
        }
        ignored.add(keyword + " at " + where + (why == null ? "" : " (" + why + ")"));
    }

    private static GrammarException bad(String path, String what) {
        return new GrammarException("invalid schema at " + (path.isEmpty() ? "/" : path) + ": " + what);
    }

    @SuppressWarnings("unchecked")
    private Expr schema(Object s, String path) {
        if (s == Boolean.TRUE) {
            return r.value();
        }
        if (s == Boolean.FALSE) {
            throw bad(path, "schema false accepts nothing");
        }
        if (!(s instanceof Map<?, ?> raw)) {
            throw bad(path, "a schema must be an object or a boolean");
        }
        Map<String, Object> m = (Map<String, Object>) raw;
        for (String k : m.keySet()) {
            if (!SUPPORTED.contains(k) && !ANNOTATIONS.contains(k)) {
                unsupported(k, path, null);
            }
        }
        if (m.containsKey("allOf")) {
            return schema(mergeAllOf(m, path), path);
        }
        if (m.containsKey("$ref")) {
            for (String k : m.keySet()) {
                if (!k.equals("$ref") && SUPPORTED.contains(k) && !k.equals("$defs") && !k.equals("definitions")) {
                    unsupported(k, path, "keywords beside $ref");
                }
            }
            return ref(m.get("$ref"), path);
        }
        if (m.containsKey("const")) {
            return Expr.lit(Json.write(m.get("const")));
        }
        if (m.containsKey("enum")) {
            if (!(m.get("enum") instanceof List<?> values) || values.isEmpty()) {
                throw bad(path + "/enum", "enum must be a non-empty array");
            }
            List<Expr> options = new ArrayList<>();
            for (Object v : values) {
                options.add(Expr.lit(Json.write(v)));
            }
            return Expr.alt(options);
        }
        for (String k : List.of("anyOf", "oneOf")) {
            if (m.containsKey(k)) {
                if (!(m.get(k) instanceof List<?> branches) || branches.isEmpty()) {
                    throw bad(path + "/" + k, k + " must be a non-empty array");
                }
                List<Expr> options = new ArrayList<>();
                for (int i = 0; i < branches.size(); i++) {
                    options.add(schema(branches.get(i), path + "/" + k + "/" + i));
                }
                return Expr.alt(options);
            }
        }
        List<String> types = types(m, path);
        List<Expr> options = new ArrayList<>();
        for (String t : types) {
            options.add(typed(t, m, path));
        }
        return Expr.alt(options);
    }

    private List<String> types(Map<String, Object> m, String path) {
        Object t = m.get("type");
        if (t == null) {
            if (m.containsKey("properties") || m.containsKey("required") || m.containsKey("additionalProperties")) {
                return List.of("object");
            }
            if (m.containsKey("items") || m.containsKey("prefixItems") || m.containsKey("minItems")
                    || m.containsKey("maxItems")) {
                return List.of("array");
            }
            if (m.containsKey("minLength") || m.containsKey("maxLength") || m.containsKey("pattern")
                    || m.containsKey("format")) {
                return List.of("string");
            }
            if (m.containsKey("minimum") || m.containsKey("maximum") || m.containsKey("exclusiveMinimum")
                    || m.containsKey("exclusiveMaximum")) {
                return List.of("number");
            }
            return TYPES;
        }
        List<String> out = new ArrayList<>();
        List<?> list = t instanceof List<?> l ? l : List.of(t);
        for (Object x : list) {
            if (!(x instanceof String name) || !TYPES.contains(name)) {
                throw bad(path + "/type", "unknown type " + Json.write(x == null ? Json.NULL : x));
            }
            out.add(name);
        }
        if (out.isEmpty()) {
            throw bad(path + "/type", "type must name at least one type");
        }
        // "integer" is a subset of "number": keep only number when both are listed
        if (out.contains("number")) {
            out.remove("integer");
        }
        return out;
    }

    private Expr typed(String type, Map<String, Object> m, String path) {
        return switch (type) {
            case "object" -> object(m, path);
            case "array" -> array(m, path);
            case "string" -> string(m, path);
            case "integer" -> integer(m, path);
            case "number" -> number(m, path);
            case "boolean" -> r.bool();
            default -> Expr.lit("null");
        };
    }

    // ---- objects ----

    @SuppressWarnings("unchecked")
    private Expr object(Map<String, Object> m, String path) {
        Map<String, Object> props = m.get("properties") instanceof Map<?, ?> p ? (Map<String, Object>) p : Map.of();
        if (m.containsKey("properties") && !(m.get("properties") instanceof Map<?, ?>)) {
            throw bad(path + "/properties", "properties must be an object");
        }
        Set<String> required = new LinkedHashSet<>();
        if (m.get("required") instanceof List<?> req) {
            for (Object o : req) {
                if (!(o instanceof String name)) {
                    throw bad(path + "/required", "required must list strings");
                }
                required.add(name);
            }
        } else if (m.containsKey("required")) {
            throw bad(path + "/required", "required must be an array");
        }
        // required names without a declared schema are still required: any value
        Map<String, Object> all = new LinkedHashMap<>(props);
        for (String name : required) {
            all.putIfAbsent(name, Boolean.TRUE);
        }
        Object additional = m.get("additionalProperties");
        if (all.isEmpty() && additional == null) {
            return Expr.ref(r.object()); // {"type":"object"} alone: any object
        }
        Expr extra = null;
        if (additional != null && additional != Boolean.FALSE) {
            Expr value = additional == Boolean.TRUE ? r.value() : schema(additional, path + "/additionalProperties");
            Expr key = keyExcluding(all.keySet(), path);
            if (key != null) {
                extra = Expr.ref(r.define("extra", Expr.seq(key, r.ws(), Expr.lit(":"), r.ws(), value, r.ws())));
            }
        }
        List<String> names = new ArrayList<>(all.keySet());
        int n = names.size();
        // built from the end: F_n / T_n are the additional properties (or nothing)
        Expr fNext = extra == null ? Expr.EMPTY
                : Expr.opt(Expr.seq(extra, Expr.star(Expr.seq(Expr.lit(","), r.ws(), extra))));
        Expr tNext = extra == null ? Expr.EMPTY : Expr.star(Expr.seq(Expr.lit(","), r.ws(), extra));
        for (int i = n - 1; i >= 0; i--) {
            String name = names.get(i);
            Expr value = schema(all.get(name), path + "/properties/" + name.replace("~", "~0").replace("/", "~1"));
            Expr kv = Expr.ref(r.define("kv", Expr.seq(Expr.lit(Json.quote(name)), r.ws(), Expr.lit(":"), r.ws(),
                    value, r.ws())));
            Expr f;
            Expr t;
            Expr withComma = Expr.seq(Expr.lit(","), r.ws(), kv, tNext);
            if (required.contains(name)) {
                f = Expr.seq(kv, tNext);
                t = withComma;
            } else {
                f = Expr.alt(Expr.seq(kv, tNext), fNext);
                t = Expr.alt(withComma, tNext);
            }
            fNext = Expr.ref(r.define("f", f));
            tNext = Expr.ref(r.define("t", t));
        }
        return Expr.seq(Expr.lit("{"), r.ws(), fNext, Expr.lit("}"));
    }

    /**
     * A property name other than any of {@code names}: a trie of the names, where at each node the key may
     * end (unless a name ends there), go on with a character no name has there (then anything), or follow
     * a name. Names must be printable ASCII without quote or backslash; else extra properties are refused.
     */
    private Expr keyExcluding(Set<String> names, String path) {
        for (String n : names) {
            for (int i = 0; i < n.length(); i++) {
                char c = n.charAt(i);
                if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') {
                    unsupported("additionalProperties", path, "declared property names must be printable ASCII");
                    return null;
                }
            }
        }
        Expr any = Expr.star(r.stringChar());
        return JsonRules.quoted(excluding(new ArrayList<>(names), 0, any));
    }

    private Expr excluding(List<String> names, int depth, Expr any) {
        boolean endsHere = false;
        Map<Character, List<String>> children = new java.util.TreeMap<>();
        for (String n : names) {
            if (n.length() == depth) {
                endsHere = true;
            } else {
                children.computeIfAbsent(n.charAt(depth), k -> new ArrayList<>()).add(n);
            }
        }
        List<Expr> options = new ArrayList<>();
        if (!endsHere) {
            options.add(Expr.EMPTY);
        }
        // a first character no name continues with: every string char except those ASCII bytes
        long[] plain = new long[4];
        int[] set = JsonRules.plainChars();
        for (int i = 0; i < set.length; i += 2) {
            for (int c = set[i]; c <= Math.min(0x7F, set[i + 1]); c++) {
                if (!children.containsKey((char) c)) {
                    plain[c >>> 6] |= 1L << c;
                }
            }
        }
        Expr other = Expr.alt(new Expr.Bytes(plain),
                Utf8Ranges.expr(Utf8Ranges.normalize(List.of(new int[] {0x80, Utf8Ranges.MAX}))),
                JsonRules.escape());
        options.add(Expr.seq(other, any));
        for (Map.Entry<Character, List<String>> e : children.entrySet()) {
            options.add(Expr.seq(Expr.lit(String.valueOf(e.getKey())), excluding(e.getValue(), depth + 1, any)));
        }
        return Expr.ref(r.define("key", Expr.alt(options)));
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> mergeAllOf(Map<String, Object> m, String path) {
        if (!(m.get("allOf") instanceof List<?> parts) || parts.isEmpty()) {
            throw bad(path + "/allOf", "allOf must be a non-empty array");
        }
        Map<String, Object> merged = new LinkedHashMap<>(m);
        merged.remove("allOf");
        for (int i = 0; i < parts.size(); i++) {
            Object part = resolveRefs(parts.get(i), path + "/allOf/" + i);
            if (!(part instanceof Map<?, ?> pm)) {
                throw bad(path + "/allOf/" + i, "allOf entries must be object schemas");
            }
            for (Map.Entry<String, Object> e : ((Map<String, Object>) pm).entrySet()) {
                String k = e.getKey();
                Object v = e.getValue();
                switch (k) {
                    case "properties" -> {
                        if (!(v instanceof Map<?, ?> more)) {
                            throw bad(path + "/allOf/" + i + "/properties", "properties must be an object");
                        }
                        Map<String, Object> props = new LinkedHashMap<>(
                                merged.get("properties") instanceof Map<?, ?> p ? (Map<String, Object>) p : Map.of());
                        props.putAll((Map<String, Object>) more);
                        merged.put("properties", props);
                    }
                    case "required" -> {
                        if (!(v instanceof List<?> more)) {
                            throw bad(path + "/allOf/" + i + "/required", "required must be an array of property names");
                        }
                        Set<Object> req = new LinkedHashSet<>(
                                merged.get("required") instanceof List<?> l ? l : List.of());
                        req.addAll(more);
                        merged.put("required", new ArrayList<>(req));
                    }
                    case "type" -> {
                        if (!"object".equals(v)) {
                            unsupported("allOf", path, "only object schemas can be merged");
                        }
                        merged.put("type", "object");
                    }
                    default -> {
                        if (merged.containsKey(k) && !ANNOTATIONS.contains(k)
                                && !Json.write(merged.get(k)).equals(Json.write(v))) {
                            unsupported("allOf", path, "conflicting '" + k + "' in merged schemas");
                        }
                        merged.putIfAbsent(k, v);
                    }
                }
            }
        }
        merged.putIfAbsent("type", "object");
        return merged;
    }

    private Object resolveRefs(Object s, String path) {
        int hops = 0;
        while (s instanceof Map<?, ?> m && m.get("$ref") instanceof String ref) {
            if (++hops > 32) {
                throw bad(path, "$ref chain too long");
            }
            s = resolve(ref, path);
        }
        return s;
    }

    private Expr ref(Object target, String path) {
        if (!(target instanceof String ref)) {
            throw bad(path + "/$ref", "$ref must be a string");
        }
        String name = refRules.get(ref);
        if (name == null) {
            Object s = resolve(ref, path);
            name = r.define("ref", Expr.EMPTY);
            refRules.put(ref, name);
            r.rules.put(name, schema(s, ref.substring(1)));
        }
        return Expr.ref(name);
    }

    private Object resolve(String ref, String path) {
        if (!ref.startsWith("#")) {
            unsupported("$ref", path, "only local references (#...) are supported, got '" + ref + "'");
            return Boolean.TRUE;
        }
        Object cur = root;
        String pointer = ref.substring(1);
        if (pointer.isEmpty()) {
            return root;
        }
        if (!pointer.startsWith("/")) {
            throw bad(path + "/$ref", "'" + ref + "' is not a JSON pointer");
        }
        for (String part : pointer.substring(1).split("/", -1)) {
            String key = part.replace("~1", "/").replace("~0", "~");
            if (cur instanceof Map<?, ?> m && m.containsKey(key)) {
                cur = m.get(key);
            } else if (cur instanceof List<?> l && key.matches("\\d+") && Integer.parseInt(key) < l.size()) {
                cur = l.get(Integer.parseInt(key));
            } else {
                throw bad(path + "/$ref", "'" + ref + "' points to nothing");
            }
        }
        return cur;
    }

    // ---- arrays ----

    private Expr array(Map<String, Object> m, String path) {
        int min = count(m, "minItems", path, 0);
        int max = count(m, "maxItems", path, -1);
        if (max >= 0 && max < min) {
            throw bad(path, "maxItems < minItems");
        }
        Object items = m.get("items");
        Expr item = items == null ? r.value() : items == Boolean.FALSE ? null : schema(items, path + "/items");
        if (m.get("prefixItems") instanceof List<?> prefix) {
            List<Expr> first = new ArrayList<>();
            for (int i = 0; i < prefix.size(); i++) {
                first.add(schema(prefix.get(i), path + "/prefixItems/" + i));
            }
            if (item == null && min > prefix.size()) {
                throw bad(path, "minItems is more than prefixItems allow");
            }
            return r.tuple(first, item, min, max);
        }
        if (item == null) {
            if (min > 0) {
                throw bad(path, "items false with minItems > 0");
            }
            return Expr.lit("[]");
        }
        return r.list(Expr.ref(r.define("item", item)), min, max);
    }

    private int count(Map<String, Object> m, String key, String path, int dflt) {
        Object v = m.get(key);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof Json.Num n) || n.value().signum() < 0 || n.value().stripTrailingZeros().scale() > 0) {
            throw bad(path + "/" + key, key + " must be a non-negative integer");
        }
        if (n.value().compareTo(BigDecimal.valueOf(10_000)) > 0) {
            unsupported(key, path, "above 10000");
            return dflt;
        }
        return n.value().intValue();
    }

    // ---- strings ----

    private Expr string(Map<String, Object> m, String path) {
        Object format = m.get("format");
        Object pattern = m.get("pattern");
        int min = count(m, "minLength", path, 0);
        int max = count(m, "maxLength", path, -1);
        if (max >= 0 && max < min) {
            throw bad(path, "maxLength < minLength");
        }
        if (format != null) {
            Expr f = format(format, path);
            if (f != null) {
                if (pattern != null) {
                    unsupported("pattern", path, "pattern together with format");
                }
                if (m.containsKey("minLength") || m.containsKey("maxLength")) {
                    unsupported(m.containsKey("minLength") ? "minLength" : "maxLength", path,
                            "length together with format");
                }
                return JsonRules.quoted(f);
            }
        }
        if (pattern != null) {
            if (!(pattern instanceof String p)) {
                throw bad(path + "/pattern", "pattern must be a string");
            }
            if (m.containsKey("minLength") || m.containsKey("maxLength")) {
                unsupported(m.containsKey("minLength") ? "minLength" : "maxLength", path,
                        "length together with pattern");
            }
            try {
                return JsonRules.quoted(RegexCompiler.compile(p));
            } catch (GrammarException e) {
                unsupported("pattern", path, e.getMessage());
            }
        }
        if (min == 0 && max < 0) {
            return r.string();
        }
        return JsonRules.quoted(Expr.rep(r.stringChar(), min, max));
    }

    private Expr format(Object format, String path) {
        Expr.Bytes d = Expr.byteRange('0', '9');
        Expr.Bytes hex = Expr.chars("0123456789abcdefABCDEF");
        Expr date = Expr.seq(d, d, d, d, Expr.lit("-"), Expr.alt(
                // months of 31 days, of 30, and February up to 28 (a leap day is not generated)
                Expr.seq(Expr.alt(Expr.lit("01"), Expr.lit("03"), Expr.lit("05"), Expr.lit("07"), Expr.lit("08"),
                        Expr.lit("10"), Expr.lit("12")), Expr.lit("-"), day(31)),
                Expr.seq(Expr.alt(Expr.lit("04"), Expr.lit("06"), Expr.lit("09"), Expr.lit("11")), Expr.lit("-"),
                        day(30)),
                Expr.seq(Expr.lit("02-"), day(28))));
        Expr time = Expr.seq(Expr.alt(Expr.seq(Expr.chars("01"), d), Expr.seq(Expr.lit("2"), Expr.byteRange('0', '3'))),
                Expr.lit(":"), Expr.byteRange('0', '5'), d, Expr.lit(":"), Expr.byteRange('0', '5'), d,
                Expr.opt(Expr.seq(Expr.lit("."), Expr.rep(d, 1, 9))),
                Expr.alt(Expr.lit("Z"), Expr.seq(Expr.chars("+-"),
                        Expr.alt(Expr.seq(Expr.chars("01"), d), Expr.seq(Expr.lit("2"), Expr.byteRange('0', '3'))),
                        Expr.lit(":"), Expr.byteRange('0', '5'), d)));
        return switch (String.valueOf(format)) {
            case "date" -> date;
            case "time" -> time;
            case "date-time" -> Expr.seq(date, Expr.lit("T"), time);
            case "uuid" -> Expr.seq(Expr.rep(hex, 8, 8), Expr.lit("-"), Expr.rep(hex, 4, 4), Expr.lit("-"),
                    Expr.rep(hex, 4, 4), Expr.lit("-"), Expr.rep(hex, 4, 4), Expr.lit("-"), Expr.rep(hex, 12, 12));
            case "email" -> {
                Expr atom = Expr.rep(Expr.union(Expr.union(Expr.byteRange('a', 'z'), Expr.byteRange('A', 'Z')),
                        Expr.chars("0123456789_+-")), 1, 16);
                Expr alnum = Expr.union(Expr.union(Expr.byteRange('a', 'z'), Expr.byteRange('A', 'Z')), d);
                // RFC 5321 sizes: a local part of at most 64 octets (here 50), labels of at most 63 (here 41)
                Expr label = Expr.seq(Expr.rep(alnum, 1, 20), Expr.opt(Expr.seq(Expr.lit("-"), Expr.rep(alnum, 1, 20))));
                // validators check the top-level domain against IANA's list: generate only common ones
                Expr tld = Expr.alt(Expr.lit("com"), Expr.lit("org"), Expr.lit("net"), Expr.lit("io"),
                        Expr.lit("dev"), Expr.lit("edu"), Expr.lit("info"));
                yield Expr.seq(atom, Expr.rep(Expr.seq(Expr.lit("."), atom), 0, 2), Expr.lit("@"),
                        Expr.rep(Expr.seq(label, Expr.lit(".")), 1, 3), tld);
            }
            default -> {
                unsupported("format", path, "format '" + format + "' (supported: date, time, date-time, uuid, email)");
                yield null;
            }
        };
    }

    private static Expr day(int last) {
        Expr.Bytes d = Expr.byteRange('0', '9');
        List<Expr> options = new ArrayList<>();
        options.add(Expr.seq(Expr.lit("0"), Expr.byteRange('1', '9')));
        options.add(Expr.seq(Expr.lit("1"), d));
        options.add(Expr.seq(Expr.lit("2"), last == 28 ? Expr.byteRange('0', '8') : d));
        if (last >= 30) {
            options.add(Expr.seq(Expr.lit("3"), last == 31 ? Expr.chars("01") : Expr.lit("0")));
        }
        return Expr.alt(options);
    }

    // ---- numbers ----

    private Expr integer(Map<String, Object> m, String path) {
        Long lo = null;
        Long hi = null;
        for (String k : List.of("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum")) {
            if (!m.containsKey(k)) {
                continue;
            }
            if (!(m.get(k) instanceof Json.Num n)) {
                throw bad(path + "/" + k, k + " must be a number");
            }
            BigDecimal v = n.value();
            if (v.abs().compareTo(BigDecimal.valueOf(MAX_INT)) > 0) {
                unsupported(k, path, "bounds beyond 16 digits");
                continue;
            }
            switch (k) {
                case "minimum" -> lo = max(lo, v.setScale(0, RoundingMode.CEILING).longValueExact());
                case "exclusiveMinimum" -> lo = max(lo, v.setScale(0, RoundingMode.FLOOR).longValueExact() + 1);
                case "maximum" -> hi = min(hi, v.setScale(0, RoundingMode.FLOOR).longValueExact());
                default -> hi = min(hi, v.setScale(0, RoundingMode.CEILING).longValueExact() - 1);
            }
        }
        if (lo == null && hi == null) {
            return r.integer();
        }
        long a = lo == null ? -MAX_INT : lo;
        long b = hi == null ? MAX_INT : hi;
        if (a > b) {
            throw bad(path, "no integer lies between the bounds");
        }
        return IntegerRanges.range(a, b);
    }

    private Expr number(Map<String, Object> m, String path) {
        BigDecimal lo = null;
        BigDecimal hi = null;
        for (String k : List.of("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum")) {
            if (!m.containsKey(k)) {
                continue;
            }
            if (!(m.get(k) instanceof Json.Num n)) {
                throw bad(path + "/" + k, k + " must be a number");
            }
            BigDecimal v = n.value();
            boolean whole = v.signum() == 0 || v.stripTrailingZeros().scale() <= 0;
            if (k.startsWith("exclusive") || !whole || v.signum() < 0
                    || v.compareTo(BigDecimal.valueOf(MAX_INT)) > 0) {
                unsupported(k, path, "number bounds must be inclusive, whole and non-negative");
                continue;
            }
            if (k.equals("minimum")) {
                lo = v;
            } else {
                hi = v;
            }
        }
        if (lo == null && hi == null) {
            return r.number();
        }
        long a = lo == null ? 0 : lo.longValueExact();
        if (hi == null) {
            // a non-negative number with integer part >= a: no minus, no exponent
            return Expr.seq(IntegerRanges.range(a, MAX_INT), Expr.opt(JsonRules.fraction()));
        }
        long b = hi.longValueExact();
        if (lo == null) {
            unsupported("maximum", path, "a number maximum needs a non-negative minimum too");
            return r.number();
        }
        if (a > b) {
            throw bad(path, "minimum > maximum");
        }
        Expr exact = IntegerRanges.range(b, b);
        return a == b ? exact
                : Expr.alt(Expr.seq(IntegerRanges.range(a, b - 1), Expr.opt(JsonRules.fraction())), exact);
    }

    private static Long max(Long a, long b) {
        return a == null ? b : Math.max(a, b);
    }

    private static Long min(Long a, long b) {
        return a == null ? b : Math.min(a, b);
    }
}
