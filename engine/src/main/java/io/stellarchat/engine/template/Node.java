package io.stellarchat.engine.template;

import java.util.List;

/** The immutable syntax tree of a template: statements and expressions, shared by every render. */
final class Node {
    private Node() {
    }

    /** A statement: something that writes output or changes the scope. */
    sealed interface Stmt permits Text, Output, If, For, Set, SetBlock, Macro, CallBlock, FilterBlock, Break,
            Continue, Scoped {
    }

    /** An expression, evaluated to a value; {@code line} is where it starts, for error messages. */
    sealed interface Expr permits Literal, Name, ListLit, TupleLit, DictLit, GetAttr, GetItem, Slice, Call,
            Filter, Test, Unary, Binary, And, Or, Not, Compare, CondExpr, Concat {
    }

    record Text(String text) implements Stmt {
    }

    record Output(Expr expr, int line) implements Stmt {
    }

    /** {@code if/elif/else}: conditions and bodies pair up; {@code otherwise} may be empty. */
    record If(List<Expr> conditions, List<List<Stmt>> bodies, List<Stmt> otherwise) implements Stmt {
    }

    /** {@code for targets in iterable [if filter]} with an optional {@code else} run when nothing was iterated. */
    record For(List<String> targets, Expr iterable, Expr filter, List<Stmt> body, List<Stmt> otherwise, int line)
            implements Stmt {
    }

    /** {@code set target = value}; target is a name, a tuple of names, or {@code ns.attr}. */
    record Set(List<String> names, Expr namespace, String attr, Expr value, int line) implements Stmt {
    }

    /** {@code set name [| filters] %}...{% endset}: the rendered body, optionally filtered, bound to a name. */
    record SetBlock(String name, List<Filter> filters, List<Stmt> body) implements Stmt {
    }

    /**
     * A macro definition. As in jinja2, a macro accepts extra positional arguments, unknown keyword arguments or a
     * {@code caller} only if its body mentions {@code varargs}, {@code kwargs} or {@code caller}.
     */
    record Macro(String name, List<String> params, List<Expr> defaults, List<Stmt> body, boolean catchVarargs,
            boolean catchKwargs, boolean catchCaller) implements Stmt {
    }

    /** {@code call [(params)] macro(args)}: calls a macro with {@code caller} bound to the body. */
    record CallBlock(Call call, List<String> params, List<Expr> defaults, List<Stmt> body) implements Stmt {
    }

    /** {@code filter f | g}: the rendered body passed through filters (their value slot is null). */
    record FilterBlock(List<Filter> filters, List<Stmt> body) implements Stmt {
    }

    record Break() implements Stmt {
    }

    record Continue() implements Stmt {
    }

    /** A body with its own scope that renders unchanged: {@code {% generation %}}. */
    record Scoped(List<Stmt> body) implements Stmt {
    }

    record Literal(Object value) implements Expr {
    }

    record Name(String name) implements Expr {
    }

    record ListLit(List<Expr> items) implements Expr {
    }

    record TupleLit(List<Expr> items) implements Expr {
    }

    record DictLit(List<Expr> keys, List<Expr> values) implements Expr {
    }

    record GetAttr(Expr target, String attr) implements Expr {
    }

    record GetItem(Expr target, Expr key) implements Expr {
    }

    record Slice(Expr target, Expr start, Expr stop, Expr step) implements Expr {
    }

    record Call(Expr fn, List<Expr> args, List<String> kwNames, List<Expr> kwValues, int line) implements Expr {
    }

    /** {@code value | name(args)}; {@code value} is null inside a filter block. */
    record Filter(Expr value, String name, List<Expr> args, List<String> kwNames, List<Expr> kwValues, int line)
            implements Expr {
    }

    record Test(Expr value, String name, List<Expr> args, boolean negated, int line) implements Expr {
    }

    record Unary(String op, Expr operand) implements Expr {
    }

    record Binary(String op, Expr left, Expr right, int line) implements Expr {
    }

    record And(Expr left, Expr right) implements Expr {
    }

    record Or(Expr left, Expr right) implements Expr {
    }

    record Not(Expr operand) implements Expr {
    }

    /** {@code a < b <= c}: chained comparisons; ops are {@code == != < > <= >= in notin}. */
    record Compare(Expr first, List<String> ops, List<Expr> rest, int line) implements Expr {
    }

    /** {@code a if cond else b}; {@code otherwise} null means undefined when false. */
    record CondExpr(Expr cond, Expr then, Expr otherwise) implements Expr {
    }

    record Concat(List<Expr> parts) implements Expr {
    }
}
