package io.stellarchat.engine.template;

import io.stellarchat.engine.template.Node.Expr;
import io.stellarchat.engine.template.Node.Stmt;
import io.stellarchat.engine.template.Token.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Recursive-descent parser from tokens to the {@link Node} tree, following jinja2's grammar and precedence:
 * conditional expression, {@code or}, {@code and}, {@code not}, comparisons (incl. {@code in}/{@code not in}),
 * {@code + -}, {@code ~}, {@code * / // %}, {@code **}, unary {@code + -}, then primaries with postfix
 * {@code .attr [item] (call)} and the filter/test chain ({@code | f}, {@code is t}).
 */
final class Parser {
    private static final int MAX_NESTING = 200;
    /** Every filter jinja2 knows (plus HF's tojson): other names fail at compile time, as in jinja2. */
    private static final Set<String> KNOWN_FILTERS = Set.of("abs", "attr", "batch", "capitalize", "center", "count",
            "d", "default", "dictsort", "e", "escape", "filesizeformat", "first", "float", "forceescape", "format",
            "groupby", "indent", "int", "items", "join", "last", "length", "list", "lower", "map", "max", "min",
            "pprint", "random", "reject", "rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr",
            "slice", "sort", "string", "striptags", "sum", "title", "tojson", "trim", "truncate", "unique", "upper",
            "urlencode", "urlize", "wordcount", "wordwrap", "xmlattr");
    private static final Set<String> KNOWN_TESTS = Set.of("boolean", "callable", "defined", "divisibleby", "eq",
            "equalto", "escaped", "even", "false", "filter", "float", "ge", "greaterthan", "gt", "in", "integer",
            "iterable", "le", "lessthan", "lower", "lt", "mapping", "ne", "none", "number", "odd", "sameas",
            "sequence", "string", "test", "true", "undefined", "upper", "==", "!=", "<", "<=", ">", ">=");
    private static final Set<String> TEST_ARG_STOP = Set.of("else", "or", "and", "if", "is", "in", "not");

    private final List<Token> tokens;
    private int p;
    private int nesting;
    /** For loops enclosing the statement being parsed (reset inside macro and call bodies): break needs one. */
    private int loopDepth;

    private Parser(List<Token> tokens) {
        this.tokens = tokens;
    }

    static List<Stmt> parse(String source) throws TemplateException {
        Parser parser = new Parser(Lexer.tokenize(source));
        List<Stmt> body = parser.parseBody(Set.of());
        Token t = parser.peek();
        if (t.kind() != Kind.EOF) {
            throw parser.error("unexpected '" + t.text() + "'", t);
        }
        return body;
    }

    private Token peek() {
        return tokens.get(p);
    }

    private Token peekAt(int k) {
        return tokens.get(Math.min(p + k, tokens.size() - 1));
    }

    private Token next() {
        Token t = tokens.get(p);
        if (t.kind() != Kind.EOF) {
            p++;
        }
        return t;
    }

    private TemplateException error(String msg, Token at) {
        return TemplateException.syntax(msg, at.line(), at.column());
    }

    private Token expect(Kind kind, String text) throws TemplateException {
        Token t = next();
        if (t.kind() != kind || (text != null && !t.text().equals(text))) {
            throw error("expected '" + (text != null ? text : kind.name().toLowerCase()) + "' but got '"
                    + (t.kind() == Kind.EOF ? "end of template" : t.text()) + "'", t);
        }
        return t;
    }

    private String expectName() throws TemplateException {
        return expect(Kind.NAME, null).text();
    }

    private void enter(Token at) throws TemplateException {
        if (++nesting > MAX_NESTING) {
            throw error("template nested too deeply", at);
        }
    }

    /** Parses statements until a block tag whose name is in {@code ends} (left unconsumed, after its '{%'). */
    private List<Stmt> parseBody(Set<String> ends) throws TemplateException {
        List<Stmt> body = new ArrayList<>();
        while (true) {
            Token t = peek();
            switch (t.kind()) {
                case EOF -> {
                    if (!ends.isEmpty()) {
                        throw error("unexpected end of template, expected one of " + ends, t);
                    }
                    return body;
                }
                case TEXT -> {
                    next();
                    body.add(new Node.Text(t.text()));
                }
                case VAR_BEGIN -> {
                    next();
                    Expr e = parseTuple(true);
                    expect(Kind.VAR_END, null);
                    body.add(new Node.Output(e, t.line()));
                }
                case BLOCK_BEGIN -> {
                    Token name = peekAt(1);
                    if (name.kind() == Kind.NAME && ends.contains(name.text())) {
                        return body;
                    }
                    next();
                    body.add(parseStatement());
                }
                default -> throw error("unexpected '" + t.text() + "'", t);
            }
        }
    }

    /** A macro, call or generation body: compiled as a function by jinja2, so no loop encloses it. */
    private List<Stmt> parseFunctionBody(Set<String> ends) throws TemplateException {
        int saved = loopDepth;
        loopDepth = 0;
        try {
            return parseBody(ends);
        } finally {
            loopDepth = saved;
        }
    }

    /** Consumes '{% name' for an end/intermediate tag expected by the caller. */
    private String blockName() throws TemplateException {
        expect(Kind.BLOCK_BEGIN, null);
        return expectName();
    }

    private Stmt parseStatement() throws TemplateException {
        Token t = next();
        if (t.kind() != Kind.NAME) {
            throw error("expected a statement name", t);
        }
        enter(t);
        try {
            return switch (t.text()) {
                case "if" -> parseIf();
                case "for" -> parseFor(t);
                case "set" -> parseSet(t);
                case "macro" -> parseMacro();
                case "call" -> parseCallBlock(t);
                case "filter" -> parseFilterBlock();
                case "break", "continue" -> {
                    if (loopDepth == 0) {
                        throw error("'" + t.text() + "' outside loop", t);
                    }
                    expect(Kind.BLOCK_END, null);
                    yield t.text().equals("break") ? new Node.Break() : new Node.Continue();
                }
                case "generation" -> {
                    expect(Kind.BLOCK_END, null);
                    List<Stmt> body = parseFunctionBody(Set.of("endgeneration"));
                    blockName();
                    expect(Kind.BLOCK_END, null);
                    yield new Node.Scoped(body);
                }
                default -> throw error("unknown tag '" + t.text() + "'", t);
            };
        } finally {
            nesting--;
        }
    }

    /**
     * How many {@code {% if %}} bodies enclose the text being parsed. Like Jinja2 (3.x), an unknown filter or test
     * inside one is reported only when it is evaluated — published templates name filters that only a branch
     * for tools reaches — and at compile time everywhere else.
     */
    private int inConditional;

    private Stmt parseIf() throws TemplateException {
        inConditional++;
        try {
            return parseIfBranches();
        } finally {
            inConditional--;
        }
    }

    private Stmt parseIfBranches() throws TemplateException {
        List<Expr> conds = new ArrayList<>();
        List<List<Stmt>> bodies = new ArrayList<>();
        List<Stmt> otherwise = List.of();
        conds.add(parseTuple(false));
        expect(Kind.BLOCK_END, null);
        bodies.add(parseBody(Set.of("elif", "else", "endif")));
        while (true) {
            String tag = blockName();
            if (tag.equals("elif")) {
                conds.add(parseTuple(false));
                expect(Kind.BLOCK_END, null);
                bodies.add(parseBody(Set.of("elif", "else", "endif")));
            } else if (tag.equals("else")) {
                expect(Kind.BLOCK_END, null);
                otherwise = parseBody(Set.of("endif"));
                blockName();
                expect(Kind.BLOCK_END, null);
                break;
            } else {
                expect(Kind.BLOCK_END, null);
                break;
            }
        }
        return new Node.If(List.copyOf(conds), List.copyOf(bodies), otherwise);
    }

    private Stmt parseFor(Token at) throws TemplateException {
        List<String> targets = new ArrayList<>();
        boolean paren = peek().isOp("(");
        if (paren) {
            next();
        }
        targets.add(expectName());
        while (peek().isOp(",")) {
            next();
            targets.add(expectName());
        }
        if (paren) {
            expect(Kind.OP, ")");
        }
        expect(Kind.NAME, "in");
        Expr iter = parseTuple(false);
        Expr filter = null;
        if (peek().isName("if")) {
            next();
            filter = parseExpression(true);
        }
        if (peek().isName("recursive")) {
            throw error("recursive loops are not supported", peek());
        }
        expect(Kind.BLOCK_END, null);
        loopDepth++;
        List<Stmt> body;
        try {
            body = parseBody(Set.of("else", "endfor"));
        } finally {
            loopDepth--;
        }
        List<Stmt> otherwise = List.of();
        if (blockName().equals("else")) {
            expect(Kind.BLOCK_END, null);
            otherwise = parseBody(Set.of("endfor"));
            blockName();
        }
        expect(Kind.BLOCK_END, null);
        return new Node.For(List.copyOf(targets), iter, filter, body, otherwise, at.line());
    }

    private Stmt parseSet(Token at) throws TemplateException {
        String first = expectName();
        if (peek().isOp(".")) {
            next();
            String attr = expectName();
            expect(Kind.OP, "=");
            Expr value = parseTuple(true);
            expect(Kind.BLOCK_END, null);
            return new Node.Set(List.of(), new Node.Name(first), attr, value, at.line());
        }
        List<String> names = new ArrayList<>();
        names.add(first);
        while (peek().isOp(",")) {
            next();
            names.add(expectName());
        }
        if (peek().isOp("=")) {
            next();
            Expr value = parseTuple(true);
            expect(Kind.BLOCK_END, null);
            return new Node.Set(List.copyOf(names), null, null, value, at.line());
        }
        if (names.size() != 1) {
            throw error("expected '='", peek());
        }
        List<Node.Filter> filters = new ArrayList<>();
        while (peek().isOp("|")) {
            next();
            filters.add(parseFilterCall(null));
        }
        expect(Kind.BLOCK_END, null);
        List<Stmt> body = parseBody(Set.of("endset"));
        blockName();
        expect(Kind.BLOCK_END, null);
        return new Node.SetBlock(first, List.copyOf(filters), body);
    }

    private void parseSignature(List<String> params, List<Expr> defaults) throws TemplateException {
        expect(Kind.OP, "(");
        while (!peek().isOp(")")) {
            if (!params.isEmpty()) {
                expect(Kind.OP, ",");
                if (peek().isOp(")")) {
                    break;
                }
            }
            params.add(expectName());
            if (peek().isOp("=")) {
                next();
                defaults.add(parseExpression(true));
            } else {
                defaults.add(null);
            }
        }
        expect(Kind.OP, ")");
    }

    private Stmt parseMacro() throws TemplateException {
        String name = expectName();
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        parseSignature(params, defaults);
        expect(Kind.BLOCK_END, null);
        List<Stmt> body = parseFunctionBody(Set.of("endmacro"));
        blockName();
        if (peek().kind() == Kind.NAME) {
            next();
        }
        expect(Kind.BLOCK_END, null);
        Set<String> names = new java.util.HashSet<>();
        NameScan.stmts(body, names);
        return new Node.Macro(name, List.copyOf(params), java.util.Collections.unmodifiableList(defaults), body,
                names.contains("varargs"), names.contains("kwargs"), names.contains("caller"));
    }

    private Stmt parseCallBlock(Token at) throws TemplateException {
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        if (peek().isOp("(")) {
            parseSignature(params, defaults);
        }
        Expr call = parseExpression(true);
        if (!(call instanceof Node.Call c)) {
            throw error("expected a call in a call block", at);
        }
        expect(Kind.BLOCK_END, null);
        List<Stmt> body = parseFunctionBody(Set.of("endcall"));
        blockName();
        expect(Kind.BLOCK_END, null);
        return new Node.CallBlock(c, List.copyOf(params), java.util.Collections.unmodifiableList(defaults), body);
    }

    private Stmt parseFilterBlock() throws TemplateException {
        List<Node.Filter> filters = new ArrayList<>();
        filters.add(parseFilterCall(null));
        while (peek().isOp("|")) {
            next();
            filters.add(parseFilterCall(null));
        }
        expect(Kind.BLOCK_END, null);
        List<Stmt> body = parseBody(Set.of("endfilter"));
        blockName();
        expect(Kind.BLOCK_END, null);
        return new Node.FilterBlock(List.copyOf(filters), body);
    }

    // ---- expressions ----

    /**
     * jinja2's {@code parse_tuple}: an expression, or a tuple without parentheses ({@code a, b}), as allowed in
     * output, {@code set}, {@code if} and a for loop's iterable. {@code if} tests and for iterables take no inline
     * {@code x if c else y} at the top level ({@code withCondExpr=false}), as in jinja2.
     */
    private Expr parseTuple(boolean withCondExpr) throws TemplateException {
        Expr first = parseExpression(withCondExpr);
        if (!peek().isOp(",")) {
            return first;
        }
        List<Expr> items = new ArrayList<>();
        items.add(first);
        while (peek().isOp(",")) {
            next();
            Token t = peek();
            if (t.kind() == Kind.VAR_END || t.kind() == Kind.BLOCK_END || t.isOp(")")) {
                break;
            }
            items.add(parseExpression(withCondExpr));
        }
        return new Node.TupleLit(List.copyOf(items));
    }

    /** {@code withCondExpr=false} inside a for's iterable, where a trailing {@code if} is the loop filter. */
    private Expr parseExpression(boolean withCondExpr) throws TemplateException {
        Token at = peek();
        enter(at);
        try {
            Expr e = parseOr();
            if (withCondExpr) {
                while (peek().isName("if")) {
                    next();
                    Expr cond = parseOr();
                    Expr otherwise = null;
                    if (peek().isName("else")) {
                        next();
                        otherwise = parseExpression(true);
                    }
                    e = new Node.CondExpr(cond, e, otherwise);
                }
            }
            return e;
        } finally {
            nesting--;
        }
    }

    private Expr parseOr() throws TemplateException {
        Expr e = parseAnd();
        while (peek().isName("or")) {
            next();
            e = new Node.Or(e, parseAnd());
        }
        return e;
    }

    private Expr parseAnd() throws TemplateException {
        Expr e = parseNot();
        while (peek().isName("and")) {
            next();
            e = new Node.And(e, parseNot());
        }
        return e;
    }

    private Expr parseNot() throws TemplateException {
        if (peek().isName("not")) {
            Token t = next();
            enter(t);
            try {
                return new Node.Not(parseNot());
            } finally {
                nesting--;
            }
        }
        return parseCompare();
    }

    private Expr parseCompare() throws TemplateException {
        Token at = peek();
        Expr first = parseMath1();
        List<String> ops = new ArrayList<>();
        List<Expr> rest = new ArrayList<>();
        while (true) {
            Token t = peek();
            String op;
            if (t.kind() == Kind.OP && Set.of("==", "!=", "<", ">", "<=", ">=").contains(t.text())) {
                op = t.text();
                next();
            } else if (t.isName("in")) {
                op = "in";
                next();
            } else if (t.isName("not") && peekAt(1).isName("in")) {
                op = "notin";
                next();
                next();
            } else {
                break;
            }
            ops.add(op);
            rest.add(parseMath1());
        }
        return ops.isEmpty() ? first : new Node.Compare(first, List.copyOf(ops), List.copyOf(rest), at.line());
    }

    private Expr parseMath1() throws TemplateException {
        Expr e = parseConcat();
        while (peek().isOp("+") || peek().isOp("-")) {
            Token t = next();
            e = new Node.Binary(t.text(), e, parseConcat(), t.line());
        }
        return e;
    }

    private Expr parseConcat() throws TemplateException {
        Expr e = parseMath2();
        if (!peek().isOp("~")) {
            return e;
        }
        List<Expr> parts = new ArrayList<>();
        parts.add(e);
        while (peek().isOp("~")) {
            next();
            parts.add(parseMath2());
        }
        return new Node.Concat(List.copyOf(parts));
    }

    private Expr parseMath2() throws TemplateException {
        Expr e = parsePow();
        while (peek().isOp("*") || peek().isOp("/") || peek().isOp("//") || peek().isOp("%")) {
            Token t = next();
            e = new Node.Binary(t.text(), e, parsePow(), t.line());
        }
        return e;
    }

    private Expr parsePow() throws TemplateException {
        Expr e = parseUnary(true);
        while (peek().isOp("**")) {
            Token t = next();
            e = new Node.Binary("**", e, parseUnary(true), t.line());
        }
        return e;
    }

    private Expr parseUnary(boolean withFilter) throws TemplateException {
        Token t = peek();
        Expr e;
        if (t.isOp("-") || t.isOp("+")) {
            next();
            enter(t);
            try {
                e = new Node.Unary(t.text(), parseUnary(false));
            } finally {
                nesting--;
            }
        } else {
            e = parsePostfix(parsePrimary());
        }
        return withFilter ? parseFilterChain(e) : e;
    }

    private Expr parsePrimary() throws TemplateException {
        Token t = next();
        switch (t.kind()) {
            case NAME -> {
                return switch (t.text()) {
                    case "true", "True" -> new Node.Literal(Boolean.TRUE);
                    case "false", "False" -> new Node.Literal(Boolean.FALSE);
                    case "none", "None" -> new Node.Literal(null);
                    default -> new Node.Name(t.text());
                };
            }
            case STRING -> {
                StringBuilder sb = new StringBuilder((String) t.value());
                while (peek().kind() == Kind.STRING) {
                    sb.append((String) next().value());
                }
                return new Node.Literal(sb.toString());
            }
            case INT, FLOAT -> {
                return new Node.Literal(t.value());
            }
            case OP -> {
                switch (t.text()) {
                    case "(" -> {
                        if (peek().isOp(")")) {
                            next();
                            return new Node.TupleLit(List.of());
                        }
                        Expr first = parseExpression(true);
                        if (!peek().isOp(",")) {
                            expect(Kind.OP, ")");
                            return first;
                        }
                        List<Expr> items = new ArrayList<>();
                        items.add(first);
                        while (peek().isOp(",")) {
                            next();
                            if (peek().isOp(")")) {
                                break;
                            }
                            items.add(parseExpression(true));
                        }
                        expect(Kind.OP, ")");
                        return new Node.TupleLit(List.copyOf(items));
                    }
                    case "[" -> {
                        List<Expr> items = new ArrayList<>();
                        while (!peek().isOp("]")) {
                            if (!items.isEmpty()) {
                                expect(Kind.OP, ",");
                                if (peek().isOp("]")) {
                                    break;
                                }
                            }
                            items.add(parseExpression(true));
                        }
                        expect(Kind.OP, "]");
                        return new Node.ListLit(List.copyOf(items));
                    }
                    case "{" -> {
                        List<Expr> keys = new ArrayList<>();
                        List<Expr> values = new ArrayList<>();
                        while (!peek().isOp("}")) {
                            if (!keys.isEmpty()) {
                                expect(Kind.OP, ",");
                                if (peek().isOp("}")) {
                                    break;
                                }
                            }
                            keys.add(parseExpression(true));
                            expect(Kind.OP, ":");
                            values.add(parseExpression(true));
                        }
                        expect(Kind.OP, "}");
                        return new Node.DictLit(List.copyOf(keys), List.copyOf(values));
                    }
                    default -> {
                    }
                }
            }
            default -> {
            }
        }
        throw error("unexpected '" + (t.kind() == Kind.EOF ? "end of template" : t.text()) + "'", t);
    }

    private Expr parsePostfix(Expr e) throws TemplateException {
        while (true) {
            Token t = peek();
            if (t.isOp(".")) {
                next();
                Token n = next();
                if (n.kind() == Kind.NAME) {
                    e = new Node.GetAttr(e, n.text());
                } else if (n.kind() == Kind.INT) {
                    e = new Node.GetItem(e, new Node.Literal(n.value()));
                } else {
                    throw error("expected an attribute name", n);
                }
            } else if (t.isOp("[")) {
                next();
                e = parseSubscript(e);
            } else if (t.isOp("(")) {
                e = parseCall(e);
            } else {
                return e;
            }
        }
    }

    private Expr parseSubscript(Expr target) throws TemplateException {
        Expr start = null;
        if (!peek().isOp(":")) {
            start = parseExpression(true);
            if (peek().isOp("]")) {
                next();
                return new Node.GetItem(target, start);
            }
        }
        expect(Kind.OP, ":");
        Expr stop = null;
        Expr step = null;
        if (!peek().isOp("]") && !peek().isOp(":")) {
            stop = parseExpression(true);
        }
        if (peek().isOp(":")) {
            next();
            if (!peek().isOp("]")) {
                step = parseExpression(true);
            }
        }
        expect(Kind.OP, "]");
        return new Node.Slice(target, start, stop, step);
    }

    private Node.Call parseCall(Expr fn) throws TemplateException {
        Token at = expect(Kind.OP, "(");
        List<Expr> args = new ArrayList<>();
        List<String> kwNames = new ArrayList<>();
        List<Expr> kwValues = new ArrayList<>();
        parseArgs(args, kwNames, kwValues);
        return new Node.Call(fn, List.copyOf(args), List.copyOf(kwNames), List.copyOf(kwValues), at.line());
    }

    /** After '(' : positional then keyword arguments, through ')'. */
    private void parseArgs(List<Expr> args, List<String> kwNames, List<Expr> kwValues) throws TemplateException {
        boolean first = true;
        while (!peek().isOp(")")) {
            if (!first) {
                expect(Kind.OP, ",");
                if (peek().isOp(")")) {
                    break;
                }
            }
            first = false;
            if (peek().kind() == Kind.NAME && peekAt(1).isOp("=")) {
                kwNames.add(next().text());
                next();
                kwValues.add(parseExpression(true));
            } else {
                if (!kwNames.isEmpty()) {
                    throw error("positional argument after keyword argument", peek());
                }
                args.add(parseExpression(true));
            }
        }
        expect(Kind.OP, ")");
    }

    private Expr parseFilterChain(Expr e) throws TemplateException {
        while (true) {
            Token t = peek();
            if (t.isOp("|")) {
                next();
                e = parseFilterCall(e);
            } else if (t.isName("is")) {
                next();
                e = parseTest(e, t);
            } else if (t.isOp("(")) {
                e = parseCall(e);
            } else {
                return e;
            }
        }
    }

    private Node.Filter parseFilterCall(Expr value) throws TemplateException {
        Token nameTok = peek();
        StringBuilder name = new StringBuilder(expectName());
        while (peek().isOp(".")) {
            next();
            name.append('.').append(expectName());
        }
        if (!KNOWN_FILTERS.contains(name.toString()) && inConditional == 0) {
            throw error("No filter named '" + name + "'.", nameTok);
        }
        List<Expr> args = new ArrayList<>();
        List<String> kwNames = new ArrayList<>();
        List<Expr> kwValues = new ArrayList<>();
        if (peek().isOp("(")) {
            next();
            parseArgs(args, kwNames, kwValues);
        }
        return new Node.Filter(value, name.toString(), List.copyOf(args), List.copyOf(kwNames), List.copyOf(kwValues),
                nameTok.line());
    }

    private Expr parseTest(Expr value, Token at) throws TemplateException {
        boolean negated = false;
        if (peek().isName("not")) {
            next();
            negated = true;
        }
        Token nt = next();
        String name;
        if (nt.kind() == Kind.NAME) {
            name = nt.text();
        } else if (nt.kind() == Kind.OP && Set.of("==", "!=", "<", ">", "<=", ">=").contains(nt.text())) {
            name = nt.text();
        } else {
            throw error("expected a test name", nt);
        }
        while (peek().isOp(".")) {
            next();
            name = name + "." + expectName();
        }
        if (!KNOWN_TESTS.contains(name) && inConditional == 0) {
            throw error("No test named '" + name + "'.", nt);
        }
        List<Expr> args = new ArrayList<>();
        Token t = peek();
        if (t.isOp("(")) {
            next();
            List<String> kwNames = new ArrayList<>();
            List<Expr> kwValues = new ArrayList<>();
            parseArgs(args, kwNames, kwValues);
            if (!kwNames.isEmpty()) {
                throw error("keyword arguments to tests are not supported", t);
            }
        } else if (t.kind() == Kind.STRING || t.kind() == Kind.INT || t.kind() == Kind.FLOAT
                || (t.kind() == Kind.NAME && !TEST_ARG_STOP.contains(t.text()))
                || t.isOp("[") || t.isOp("{") || t.isOp("-")) {
            Expr arg = parsePostfix(parsePrimaryOrNeg());
            args.add(arg);
        }
        return new Node.Test(value, name, List.copyOf(args), negated, at.line());
    }

    private Expr parsePrimaryOrNeg() throws TemplateException {
        if (peek().isOp("-")) {
            next();
            return new Node.Unary("-", parsePrimary());
        }
        return parsePrimary();
    }
}
