package io.stellarchat.engine.template;

import io.stellarchat.engine.template.Node.Expr;
import io.stellarchat.engine.template.Node.Stmt;
import java.util.List;
import java.util.Set;

/** Collects every variable name a piece of syntax tree reads (jinja2 checks macro bodies for varargs/kwargs/caller). */
final class NameScan {
    private NameScan() {
    }

    static void stmts(List<Stmt> body, Set<String> out) {
        for (Stmt s : body) {
            stmt(s, out);
        }
    }

    private static void stmt(Stmt s, Set<String> out) {
        switch (s) {
            case Node.Text t -> { }
            case Node.Output o -> expr(o.expr(), out);
            case Node.If i -> {
                exprs(i.conditions(), out);
                i.bodies().forEach(b -> stmts(b, out));
                stmts(i.otherwise(), out);
            }
            case Node.For f -> {
                expr(f.iterable(), out);
                expr(f.filter(), out);
                stmts(f.body(), out);
                stmts(f.otherwise(), out);
            }
            case Node.Set st -> {
                expr(st.namespace(), out);
                expr(st.value(), out);
            }
            case Node.SetBlock sb -> {
                sb.filters().forEach(f -> expr(f, out));
                stmts(sb.body(), out);
            }
            case Node.Macro m -> {
                m.defaults().forEach(d -> expr(d, out));
                stmts(m.body(), out);
            }
            case Node.CallBlock cb -> {
                expr(cb.call(), out);
                cb.defaults().forEach(d -> expr(d, out));
                stmts(cb.body(), out);
            }
            case Node.FilterBlock fb -> {
                fb.filters().forEach(f -> expr(f, out));
                stmts(fb.body(), out);
            }
            case Node.Break b -> { }
            case Node.Continue c -> { }
            case Node.Scoped sc -> stmts(sc.body(), out);
        }
    }

    private static void exprs(List<Expr> es, Set<String> out) {
        for (Expr e : es) {
            expr(e, out);
        }
    }

    private static void expr(Expr e, Set<String> out) {
        switch (e) {
            case null -> { }
            case Node.Literal l -> { }
            case Node.Name n -> out.add(n.name());
            case Node.ListLit l -> exprs(l.items(), out);
            case Node.TupleLit t -> exprs(t.items(), out);
            case Node.DictLit d -> {
                exprs(d.keys(), out);
                exprs(d.values(), out);
            }
            case Node.GetAttr g -> expr(g.target(), out);
            case Node.GetItem g -> {
                expr(g.target(), out);
                expr(g.key(), out);
            }
            case Node.Slice sl -> {
                expr(sl.target(), out);
                expr(sl.start(), out);
                expr(sl.stop(), out);
                expr(sl.step(), out);
            }
            case Node.Call c -> {
                expr(c.fn(), out);
                exprs(c.args(), out);
                exprs(c.kwValues(), out);
            }
            case Node.Filter f -> {
                expr(f.value(), out);
                exprs(f.args(), out);
                exprs(f.kwValues(), out);
            }
            case Node.Test t -> {
                expr(t.value(), out);
                exprs(t.args(), out);
            }
            case Node.Unary u -> expr(u.operand(), out);
            case Node.Binary b -> {
                expr(b.left(), out);
                expr(b.right(), out);
            }
            case Node.And a -> {
                expr(a.left(), out);
                expr(a.right(), out);
            }
            case Node.Or o -> {
                expr(o.left(), out);
                expr(o.right(), out);
            }
            case Node.Not n -> expr(n.operand(), out);
            case Node.Compare c -> {
                expr(c.first(), out);
                exprs(c.rest(), out);
            }
            case Node.CondExpr c -> {
                expr(c.cond(), out);
                expr(c.then(), out);
                expr(c.otherwise(), out);
            }
            case Node.Concat c -> exprs(c.parts(), out);
        }
    }
}
