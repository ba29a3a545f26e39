package io.stellarchat.engine.template;

import io.stellarchat.engine.template.Node.Expr;
import io.stellarchat.engine.template.Node.Stmt;
import io.stellarchat.engine.template.PyValues.Callable;
import io.stellarchat.engine.template.PyValues.Loop;
import io.stellarchat.engine.template.PyValues.Namespace;
import io.stellarchat.engine.template.PyValues.Tuple;
import io.stellarchat.engine.template.PyValues.Undefined;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One render of a compiled template: the evaluator and all per-render state.
 *
 * <p>Ownership: a Renderer is created per {@code render()} call and confined to its thread; the syntax tree it walks
 * is immutable and shared. State: the output buffer (swapped for a fresh one while a macro, set block or filter
 * block captures its body), the scope chain, and the counters behind the limits that stop hostile templates
 * (output size, loop iterations, call depth) with a {@link TemplateException} instead of an OOM, hang or
 * StackOverflowError.
 *
 * <p>Scopes follow jinja2: each iteration of a for loop, and each macro, call, filter or generation body, gets a
 * fresh child scope, so a {@code set} inside it is invisible outside and in the next iteration (hence
 * {@code namespace()}); {@code if} does not.
 */
final class Renderer {
    static final int MAX_OUTPUT_CHARS = 1 << 20;
    static final long MAX_WRITTEN_CHARS = 16L << 20;
    static final long MAX_ITERATIONS = 1_000_000;
    static final int MAX_CALL_DEPTH = 100;
    static final long MAX_WORK = 100_000_000;

    /** A variable scope; lookups walk up to the globals. */
    static final class Scope {
        final Scope parent;
        final Map<String, Object> vars = new HashMap<>();

        Scope(Scope parent) {
            this.parent = parent;
        }

        Object lookup(String name) {
            for (Scope s = this; s != null; s = s.parent) {
                Object v = s.vars.get(name);
                if (v != null || s.vars.containsKey(name)) {
                    return v;
                }
            }
            return new Undefined("'" + name + "' is undefined");
        }
    }

    private enum Flow { NORMAL, BREAK, CONTINUE }

    final LocalDateTime now;
    private final Builtins builtins;
    private StringBuilder out = new StringBuilder();
    private long written;
    private long iterations;
    private long work;
    private int callDepth;

    Renderer(LocalDateTime now) {
        this.now = now;
        this.builtins = new Builtins(this);
    }

    String render(List<Stmt> body, Map<String, Object> variables) throws TemplateException {
        Scope globals = new Scope(null);
        builtins.installGlobals(globals.vars);
        Scope root = new Scope(globals);
        root.vars.putAll(variables);
        try {
            exec(body, root);
        } catch (StackOverflowError e) {
            throw TemplateException.render("template recursion too deep");
        } catch (PyValues.TooLarge e) {
            throw TemplateException.render(e.getMessage());
        } catch (RuntimeException e) {
            // A value of a type an operation does not expect that slipped past its checks: still the template's
            // fault, reported as a render error rather than a crash of the caller.
            throw TemplateException.render("unsupported operation in template: " + e);
        }
        return out.toString();
    }

    // ---- limits ----

    private void write(String s) throws TemplateException {
        written += s.length();
        if (written > MAX_WRITTEN_CHARS || out.length() + s.length() > MAX_OUTPUT_CHARS) {
            throw TemplateException.render("template output exceeds " + MAX_OUTPUT_CHARS + " characters");
        }
        out.append(s);
    }

    void tick() throws TemplateException {
        if (++iterations > MAX_ITERATIONS) {
            throw TemplateException.render("template exceeds " + MAX_ITERATIONS + " loop iterations");
        }
    }

    /**
     * Charges work proportional to the size of a value an operation walks (a filter's input, the container of
     * {@code in}, a method's receiver), so a loop that scans a big list on every iteration stops instead of hanging.
     */
    void charge(Object value) throws TemplateException {
        long units = switch (PyValues.unwrap(value)) {
            case String s -> s.length() / 16;
            case List<?> l -> l.size();
            case Map<?, ?> m -> m.size();
            case null, default -> 0;
        };
        work += units + 1;
        if (work > MAX_WORK) {
            throw TemplateException.render("template exceeds its work budget of " + MAX_WORK + " steps");
        }
    }

    static String checkSize(String s) throws TemplateException {
        if (s.length() > MAX_OUTPUT_CHARS) {
            throw TemplateException.render("string longer than " + MAX_OUTPUT_CHARS + " characters");
        }
        return s;
    }

    /** Renders a body into its own buffer and returns the text. */
    String capture(List<Stmt> body, Scope scope) throws TemplateException {
        StringBuilder saved = out;
        out = new StringBuilder();
        try {
            exec(body, scope);
            return out.toString();
        } finally {
            out = saved;
        }
    }

    private Flow captureFlow(List<Stmt> body, Scope scope, StringBuilder into) throws TemplateException {
        StringBuilder saved = out;
        out = into;
        try {
            return exec(body, scope);
        } finally {
            out = saved;
        }
    }

    // ---- statements ----

    private Flow exec(List<Stmt> body, Scope scope) throws TemplateException {
        for (Stmt st : body) {
            Flow f = exec(st, scope);
            if (f != Flow.NORMAL) {
                return f;
            }
        }
        return Flow.NORMAL;
    }

    private Flow exec(Stmt st, Scope scope) throws TemplateException {
        switch (st) {
            case Node.Text t -> write(t.text());
            case Node.Output o -> write(PyValues.str(eval(o.expr(), scope)));
            case Node.If i -> {
                for (int k = 0; k < i.conditions().size(); k++) {
                    if (PyValues.truthy(eval(i.conditions().get(k), scope))) {
                        return exec(i.bodies().get(k), scope);
                    }
                }
                return exec(i.otherwise(), scope);
            }
            case Node.For f -> {
                return execFor(f, scope);
            }
            case Node.Set s -> execSet(s, scope);
            case Node.SetBlock sb -> {
                StringBuilder body = new StringBuilder();
                Flow fl = captureFlow(sb.body(), new Scope(scope), body);
                if (fl != Flow.NORMAL) {
                    return fl; // jinja2 compiles the block inline: a break leaves it unassigned
                }
                Object v = body.toString();
                for (Node.Filter f : sb.filters()) {
                    v = applyFilter(f, v, scope);
                }
                scope.vars.put(sb.name(), v);
            }
            case Node.Macro m -> scope.vars.put(m.name(), macro(m, scope));
            case Node.CallBlock cb -> {
                Callable caller = macro(new Node.Macro("caller", cb.params(), cb.defaults(), cb.body(), true, true,
                        true), scope);
                Node.Call c = cb.call();
                Object fn = eval(c.fn(), scope);
                List<Object> args = evalArgs(c.args(), scope);
                Map<String, Object> kw = evalKwargs(c.kwNames(), c.kwValues(), scope);
                kw.put("caller", caller);
                write(PyValues.str(call(fn, args, kw)));
            }
            case Node.FilterBlock fb -> {
                StringBuilder body = new StringBuilder();
                Flow fl = captureFlow(fb.body(), new Scope(scope), body);
                if (fl != Flow.NORMAL) {
                    return fl;
                }
                Object v = body.toString();
                for (Node.Filter f : fb.filters()) {
                    v = applyFilter(f, v, scope);
                }
                write(PyValues.str(v));
            }
            case Node.Break b -> {
                return Flow.BREAK;
            }
            case Node.Continue c -> {
                return Flow.CONTINUE;
            }
            case Node.Scoped s -> {
                return exec(s.body(), new Scope(scope));
            }
        }
        return Flow.NORMAL;
    }

    private Flow execFor(Node.For f, Scope scope) throws TemplateException {
        Object iterable = eval(f.iterable(), scope);
        List<Object> items = PyValues.iterate(iterable);
        Scope loopScope = new Scope(scope);
        if (f.filter() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                tick();
                bindTargets(f.targets(), item, loopScope);
                if (PyValues.truthy(eval(f.filter(), loopScope))) {
                    kept.add(item);
                }
            }
            items = kept;
        }
        // jinja2 runs the else block unless some iteration ran its body to the end: an empty loop, and also a
        // loop whose every iteration ended in break or continue.
        boolean completed = false;
        Loop loop = new Loop(items);
        for (int i = 0; i < items.size(); i++) {
            tick();
            loop.index0 = i;
            Scope iterationScope = new Scope(scope);
            bindTargets(f.targets(), items.get(i), iterationScope);
            iterationScope.vars.put("loop", loop);
            Flow fl = exec(f.body(), iterationScope);
            if (fl == Flow.BREAK) {
                break;
            }
            if (fl == Flow.NORMAL) {
                completed = true;
            }
        }
        if (!completed) {
            return exec(f.otherwise(), scope);
        }
        return Flow.NORMAL;
    }

    private void bindTargets(List<String> targets, Object item, Scope scope) throws TemplateException {
        if (targets.size() == 1) {
            scope.vars.put(targets.getFirst(), item);
            return;
        }
        List<Object> parts = PyValues.iterate(item);
        if (parts.size() != targets.size()) {
            throw TemplateException.render((parts.size() > targets.size() ? "too many values to unpack (expected "
                    + targets.size() + ")" : "not enough values to unpack (expected " + targets.size() + ", got "
                    + parts.size() + ")"));
        }
        for (int i = 0; i < targets.size(); i++) {
            scope.vars.put(targets.get(i), parts.get(i));
        }
    }

    private void execSet(Node.Set s, Scope scope) throws TemplateException {
        Object v = eval(s.value(), scope);
        if (s.namespace() != null) {
            Object ns = eval(s.namespace(), scope);
            if (!(ns instanceof Namespace n)) {
                throw TemplateException.render("cannot assign attribute on non-namespace object");
            }
            n.attrs.put(s.attr(), v);
            return;
        }
        if (s.names().size() == 1) {
            scope.vars.put(s.names().getFirst(), v);
        } else {
            bindTargets(s.names(), v, scope);
        }
    }

    /** A macro (or a call block's {@code caller}): a closure over its defining scope. */
    private Callable macro(Node.Macro m, Scope closure) {
        List<String> params = m.params();
        return (args, kwargs) -> {
            if (args.size() > params.size() && !m.catchVarargs()) {
                throw TemplateException.render("macro '" + m.name() + "' takes not more than " + params.size()
                        + " argument(s)");
            }
            Map<String, Object> extraKw = new LinkedHashMap<>(kwargs);
            Object caller = extraKw.remove("caller");
            if (caller != null && !m.catchCaller()) {
                throw TemplateException.render("macro '" + m.name() + "' takes no keyword argument 'caller'");
            }
            if (callDepth >= MAX_CALL_DEPTH) {
                throw TemplateException.render("macro recursion deeper than " + MAX_CALL_DEPTH);
            }
            callDepth++;
            try {
                Scope local = new Scope(closure);
                for (int i = 0; i < params.size(); i++) {
                    String p = params.get(i);
                    Object v;
                    if (i < args.size()) {
                        if (extraKw.containsKey(p)) {
                            throw TemplateException.render("macro '" + m.name() + "' got multiple values for argument '"
                                    + p + "'");
                        }
                        v = args.get(i);
                    } else if (extraKw.containsKey(p)) {
                        v = extraKw.remove(p);
                    } else if (m.defaults().get(i) != null) {
                        v = eval(m.defaults().get(i), local);
                    } else {
                        v = new Undefined("parameter '" + p + "' was not provided");
                    }
                    local.vars.put(p, v);
                }
                if (!extraKw.isEmpty() && !m.catchKwargs()) {
                    throw TemplateException.render("macro '" + m.name() + "' takes no keyword argument '"
                            + extraKw.keySet().iterator().next() + "'");
                }
                if (m.catchCaller()) {
                    local.vars.put("caller", caller != null ? caller : new Undefined("No caller defined"));
                }
                local.vars.put("varargs", new Tuple(args.size() > params.size()
                        ? new ArrayList<>(args.subList(params.size(), args.size())) : new ArrayList<>()));
                local.vars.put("kwargs", extraKw);
                return capture(m.body(), local);
            } finally {
                callDepth--;
            }
        };
    }

    // ---- expressions ----

    Object eval(Expr e, Scope s) throws TemplateException {
        return switch (e) {
            case Node.Literal l -> l.value();
            case Node.Name n -> s.lookup(n.name());
            case Node.ListLit l -> {
                List<Object> out = new ArrayList<>(l.items().size());
                for (Expr x : l.items()) {
                    out.add(eval(x, s));
                }
                yield out;
            }
            case Node.TupleLit t -> {
                List<Object> out = new ArrayList<>(t.items().size());
                for (Expr x : t.items()) {
                    out.add(eval(x, s));
                }
                yield new Tuple(out);
            }
            case Node.DictLit d -> {
                Map<Object, Object> m = new LinkedHashMap<>();
                for (int i = 0; i < d.keys().size(); i++) {
                    m.put(eval(d.keys().get(i), s), eval(d.values().get(i), s));
                }
                yield m;
            }
            case Node.GetItem g -> getitem(eval(g.target(), s), eval(g.key(), s));
            case Node.Slice sl -> slice(eval(sl.target(), s), evalOpt(sl.start(), s), evalOpt(sl.stop(), s),
                    evalOpt(sl.step(), s));
            case Node.Call c -> {
                Object fn = eval(c.fn(), s);
                List<Object> args = evalArgs(c.args(), s);
                for (Object a : args) {
                    charge(a);
                }
                yield call(fn, args, evalKwargs(c.kwNames(), c.kwValues(), s));
            }
            case Node.GetAttr g -> {
                Object target = eval(g.target(), s);
                charge(target);
                yield getattr(target, g.attr());
            }
            case Node.Filter f -> applyFilter(f, eval(f.value(), s), s);
            case Node.Test t -> {
                Object v = eval(t.value(), s);
                boolean r = builtins.test(t.name(), v, evalArgs(t.args(), s));
                yield t.negated() != r;
            }
            case Node.Unary u -> {
                Object v = eval(u.operand(), s);
                if (v instanceof Undefined un) {
                    throw un.error();
                }
                if (!PyValues.isNumber(v)) {
                    throw TemplateException.render("bad operand type for unary " + u.op() + ": '"
                            + PyValues.typeName(v) + "'");
                }
                if (u.op().equals("+")) {
                    yield v instanceof Boolean ? PyValues.asLong(v) : v;
                }
                yield v instanceof Double d ? (Object) (-d) : (Object) Math.negateExact(PyValues.asLong(v));
            }
            case Node.Binary b -> Operators.binary(b.op(), eval(b.left(), s), eval(b.right(), s));
            case Node.And a -> {
                Object l = eval(a.left(), s);
                yield PyValues.truthy(l) ? eval(a.right(), s) : l;
            }
            case Node.Or o -> {
                Object l = eval(o.left(), s);
                yield PyValues.truthy(l) ? l : eval(o.right(), s);
            }
            case Node.Not n -> !PyValues.truthy(eval(n.operand(), s));
            case Node.Compare c -> {
                Object left = eval(c.first(), s);
                boolean result = true;
                for (int i = 0; i < c.ops().size(); i++) {
                    Object right = eval(c.rest().get(i), s);
                    charge(right);
                    if (!Operators.compare(c.ops().get(i), left, right)) {
                        result = false;
                        break;
                    }
                    left = right;
                }
                yield result;
            }
            case Node.CondExpr c -> {
                if (PyValues.truthy(eval(c.cond(), s))) {
                    yield eval(c.then(), s);
                }
                yield c.otherwise() == null ? new Undefined("the inline if-expression evaluated to false and no else"
                        + " section was defined.") : eval(c.otherwise(), s);
            }
            case Node.Concat c -> {
                StringBuilder sb = new StringBuilder();
                for (Expr x : c.parts()) {
                    sb.append(PyValues.str(eval(x, s)));
                    if (sb.length() > MAX_OUTPUT_CHARS) {
                        throw TemplateException.render("string longer than " + MAX_OUTPUT_CHARS + " characters");
                    }
                }
                yield sb.toString();
            }
        };
    }

    private Object evalOpt(Expr e, Scope s) throws TemplateException {
        return e == null ? null : eval(e, s);
    }

    private List<Object> evalArgs(List<Expr> args, Scope s) throws TemplateException {
        List<Object> out = new ArrayList<>(args.size());
        for (Expr a : args) {
            out.add(eval(a, s));
        }
        return out;
    }

    private Map<String, Object> evalKwargs(List<String> names, List<Expr> values, Scope s) throws TemplateException {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            out.put(names.get(i), eval(values.get(i), s));
        }
        return out;
    }

    private Object applyFilter(Node.Filter f, Object value, Scope s) throws TemplateException {
        return builtins.filter(f.name(), value, evalArgs(f.args(), s), evalKwargs(f.kwNames(), f.kwValues(), s));
    }

    Object call(Object fn, List<Object> args, Map<String, Object> kwargs) throws TemplateException {
        if (fn instanceof Callable c) {
            return c.call(args, kwargs);
        }
        if (fn instanceof Undefined u) {
            throw u.error();
        }
        throw TemplateException.render("'" + PyValues.typeName(fn) + "' object is not callable");
    }

    /** jinja2's sandboxed {@code getattr}: attribute (method) first, then item; missing gives Undefined. */
    Object getattr(Object obj, String name) throws TemplateException {
        obj = PyValues.unwrap(obj);
        if (obj instanceof Undefined u) {
            throw u.error();
        }
        if (obj instanceof Namespace ns) {
            Object v = ns.attrs.get(name);
            return v != null || ns.attrs.containsKey(name) ? v : noAttribute(obj, name);
        }
        if (obj instanceof Loop loop) {
            return loop.attr(name);
        }
        Object method = Methods.lookup(obj, name);
        if (method != null) {
            return method;
        }
        if (obj instanceof Map<?, ?> m) {
            Object v = m.get(name);
            if (v != null || m.containsKey(name)) {
                return v;
            }
        }
        return noAttribute(obj, name);
    }

    /** jinja2's sandboxed {@code getitem}: item first, then attribute for string keys. */
    Object getitem(Object obj, Object key) throws TemplateException {
        obj = PyValues.unwrap(obj);
        key = PyValues.unwrap(key);
        if (obj instanceof Undefined u) {
            throw u.error();
        }
        if (obj instanceof Map<?, ?> m) {
            Object k = key instanceof Boolean || key instanceof Double ? normalizeKey(m, key) : key;
            if (m.containsKey(k)) {
                return m.get(k);
            }
        } else if (obj instanceof List<?> l && PyValues.isIntLike(key)) {
            long i = PyValues.asLong(key);
            if (i < 0) {
                i += l.size();
            }
            if (i >= 0 && i < l.size()) {
                return l.get((int) i);
            }
            return new Undefined("'" + PyValues.typeName(obj) + " object' has no element " + PyValues.repr(key));
        } else if (obj instanceof String str && PyValues.isIntLike(key)) {
            List<Object> cs = PyValues.chars(str);
            long i = PyValues.asLong(key);
            if (i < 0) {
                i += cs.size();
            }
            if (i >= 0 && i < cs.size()) {
                return cs.get((int) i);
            }
            return new Undefined("'str object' has no element " + PyValues.repr(key));
        }
        if (key instanceof String name) {
            if (obj instanceof Namespace || obj instanceof Loop) {
                return getattr(obj, name);
            }
            Object method = Methods.lookup(obj, name);
            if (method != null) {
                return method;
            }
            return noAttribute(obj, name);
        }
        return new Undefined("'" + PyValues.typeName(obj) + " object' has no element " + PyValues.repr(key));
    }

    private static Object normalizeKey(Map<?, ?> m, Object key) {
        for (Object k : m.keySet()) {
            if (PyValues.equal(k, key)) {
                return k;
            }
        }
        return key;
    }

    private static Undefined noAttribute(Object obj, String name) {
        String owner = obj == null ? "None" : PyValues.typeName(obj) + " object";
        return new Undefined("'" + owner + "' has no attribute '" + name + "'");
    }

    private Object slice(Object obj, Object start, Object stop, Object step) throws TemplateException {
        obj = PyValues.unwrap(obj);
        if (obj instanceof Undefined u) {
            throw u.error();
        }
        List<Object> items;
        if (obj instanceof String s) {
            items = PyValues.chars(s);
        } else if (obj instanceof List<?> l) {
            items = new ArrayList<>(l);
        } else {
            throw TemplateException.render("'" + PyValues.typeName(obj) + "' object is not subscriptable");
        }
        int n = items.size();
        long st = step == null ? 1 : sliceIndex(step);
        if (st == 0) {
            throw TemplateException.render("slice step cannot be zero");
        }
        long lo;
        long hi;
        if (st > 0) {
            lo = start == null ? 0 : clamp(sliceIndex(start), n, 0, n);
            hi = stop == null ? n : clamp(sliceIndex(stop), n, 0, n);
        } else {
            lo = start == null ? n - 1 : clamp(sliceIndex(start), n, -1, n - 1);
            hi = stop == null ? -1 : clamp(sliceIndex(stop), n, -1, n - 1);
        }
        List<Object> out = new ArrayList<>();
        if (st > 0) {
            for (long i = lo; i < hi; i += st) {
                out.add(items.get((int) i));
            }
        } else {
            for (long i = lo; i > hi; i += st) {
                out.add(items.get((int) i));
            }
        }
        if (obj instanceof String) {
            StringBuilder sb = new StringBuilder();
            for (Object c : out) {
                sb.append((String) c);
            }
            return sb.toString();
        }
        return obj instanceof Tuple ? new Tuple(out) : out;
    }

    private static long sliceIndex(Object v) throws TemplateException {
        if (v == null) {
            return 0;
        }
        if (!PyValues.isIntLike(v)) {
            throw TemplateException.render("slice indices must be integers or None");
        }
        return PyValues.asLong(v);
    }

    private static long clamp(long i, int n, long min, long max) {
        if (i < 0) {
            i += n;
        }
        return Math.max(min, Math.min(max, i));
    }
}
