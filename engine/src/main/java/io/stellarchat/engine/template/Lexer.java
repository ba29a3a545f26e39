package io.stellarchat.engine.template;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a template into tokens the way jinja2's lexer does under Hugging Face's settings:
 * {@code trim_blocks=True}, {@code lstrip_blocks=True}, {@code keep_trailing_newline=False}.
 *
 * <p>Whitespace control, in jinja2's order: an opening {@code {%-}/{{-}/{#-} strips all whitespace before the tag;
 * otherwise, for a block or comment tag not opened with {@code +}, the spaces and tabs between the start of its line
 * and the tag are dropped (lstrip_blocks). A closing {@code -%}} strips all following whitespace; a plain
 * {@code %}} or {@code #}} eats one newline (trim_blocks). Tag ends are only recognised outside brackets, so
 * {@code {{ {'a': {'b': 1}} }}} lexes as jinja2 does. Newlines are normalised to {@code \n} first, and one trailing
 * newline of the source is dropped.
 */
final class Lexer {
    private static final int MAX_SOURCE_CHARS = 4 << 20;
    private static final String[] OPERATORS = {
        "//", "**", "==", "!=", "<=", ">=",
        "+", "-", "*", "/", "%", "~", "<", ">", "=", ".", ",", ":", "|", "(", ")", "[", "]", "{", "}"
    };

    private final String src;
    private final List<Token> out = new ArrayList<>();
    private int pos;
    private int line = 1;
    private int lineStart;

    private Lexer(String src) {
        this.src = src;
    }

    static List<Token> tokenize(String source) throws TemplateException {
        if (source.length() > MAX_SOURCE_CHARS) {
            throw TemplateException.syntax("template source longer than " + MAX_SOURCE_CHARS + " characters", 1, 1);
        }
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        if (s.endsWith("\n")) {
            s = s.substring(0, s.length() - 1);
        }
        Lexer lx = new Lexer(s);
        lx.run();
        return lx.out;
    }

    private void run() throws TemplateException {
        int n = src.length();
        while (pos < n) {
            int open = findOpen(pos);
            int textEnd = open < 0 ? n : open;
            String text = src.substring(pos, textEnd);
            if (open < 0) {
                emitText(text, pos);
                pos = n;
                break;
            }
            char kind = src.charAt(open + 1);
            char mod = open + 2 < n ? src.charAt(open + 2) : 0;
            if (mod == '-') {
                text = stripTrailing(text);
            } else if (mod != '+' && kind != '{') {
                int lpos = text.lastIndexOf('\n') + 1;
                boolean lineStarting = pos == 0 || src.charAt(pos - 1) == '\n';
                if ((lpos > 0 || lineStarting) && lpos < text.length() && allSpace(text, lpos)) {
                    text = text.substring(0, lpos);
                }
            }
            emitText(text, pos);
            advanceTo(open);
            int contentStart = open + 2 + ((mod == '-' || mod == '+') ? 1 : 0);
            if (kind == '#') {
                lexComment(contentStart);
            } else if (kind == '%') {
                if (isRawStart(contentStart)) {
                    lexRaw(contentStart);
                } else {
                    add(Token.Kind.BLOCK_BEGIN, "{%", null, open);
                    advanceTo(contentStart);
                    lexTag(true);
                }
            } else {
                add(Token.Kind.VAR_BEGIN, "{{", null, open);
                advanceTo(contentStart);
                lexTag(false);
            }
        }
        out.add(new Token(Token.Kind.EOF, "", null, line, pos - lineStart + 1));
    }

    private int findOpen(int from) {
        int i = from;
        while (true) {
            int j = src.indexOf('{', i);
            if (j < 0 || j + 1 >= src.length()) {
                return -1;
            }
            char c = src.charAt(j + 1);
            if (c == '{' || c == '%' || c == '#') {
                return j;
            }
            i = j + 1;
        }
    }

    private void emitText(String text, int at) {
        if (!text.isEmpty()) {
            out.add(new Token(Token.Kind.TEXT, text, null, line, at - lineStart + 1));
        }
    }

    private void add(Token.Kind kind, String text, Object value, int at) {
        out.add(new Token(kind, text, value, line, at - lineStart + 1));
    }

    private void advanceTo(int p) {
        for (int i = pos; i < p; i++) {
            if (src.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        pos = p;
    }

    /** After a closing delimiter ending at {@code p}: '-' strips all whitespace, otherwise trim_blocks eats one newline. */
    private int afterClose(int p, boolean minus, boolean plus, boolean trimBlocks) {
        if (minus) {
            while (p < src.length() && PyValues.isSpace(src.charAt(p))) {
                p++;
            }
        } else if (trimBlocks && !plus && p < src.length() && src.charAt(p) == '\n') {
            p++;
        }
        return p;
    }

    private void lexComment(int from) throws TemplateException {
        int end = src.indexOf("#}", from);
        if (end < 0) {
            throw err("missing end of comment tag", pos);
        }
        boolean minus = end > from && src.charAt(end - 1) == '-';
        boolean plus = end > from && src.charAt(end - 1) == '+';
        advanceTo(afterClose(end + 2, minus, plus, true));
    }

    private boolean isRawStart(int from) {
        int i = skipWs(from);
        if (!src.startsWith("raw", i)) {
            return false;
        }
        i = skipWs(i + 3);
        if (i < src.length() && src.charAt(i) == '-') {
            i++;
        }
        return src.startsWith("%}", i);
    }

    private void lexRaw(int from) throws TemplateException {
        int i = skipWs(from) + 3;
        i = skipWs(i);
        boolean minus = src.charAt(i) == '-';
        if (minus) {
            i++;
        }
        // jinja2's raw_begin rule: '-%}' strips what follows, a plain '%}' keeps even the newline (no trim_blocks).
        int bodyStart = afterClose(i + 2, minus, false, false);
        int search = bodyStart;
        while (true) {
            int open = src.indexOf("{%", search);
            if (open < 0) {
                throw err("missing endraw", pos);
            }
            int j = open + 2;
            char mod = j < src.length() ? src.charAt(j) : 0;
            if (mod == '-' || mod == '+') {
                j++;
            }
            j = skipWs(j);
            if (src.startsWith("endraw", j)) {
                int k = skipWs(j + 6);
                boolean cm = k < src.length() && src.charAt(k) == '-';
                boolean cp = k < src.length() && src.charAt(k) == '+';
                if (cm || cp) {
                    k++;
                }
                if (src.startsWith("%}", k)) {
                    String body = src.substring(bodyStart, open);
                    if (mod == '-') {
                        body = stripTrailing(body);
                    } else if (mod != '+') {
                        int lpos = body.lastIndexOf('\n') + 1;
                        if (lpos < body.length() && allSpace(body, lpos)
                                && (lpos > 0 || bodyStart == 0 || src.charAt(bodyStart - 1) == '\n')) {
                            body = body.substring(0, lpos);
                        }
                    }
                    emitText(body, bodyStart);
                    advanceTo(afterClose(k + 2, cm, cp, true));
                    return;
                }
            }
            search = open + 2;
        }
    }

    private int skipWs(int i) {
        while (i < src.length() && Character.isWhitespace(src.charAt(i))) {
            i++;
        }
        return i;
    }

    /** Lexes the inside of a {@code {% %}} (block) or {@code {{ }}} (variable) tag, up to and including its end. */
    private void lexTag(boolean block) throws TemplateException {
        int depth = 0;
        int n = src.length();
        while (true) {
            int p = pos;
            while (p < n && Character.isWhitespace(src.charAt(p))) {
                p++;
            }
            advanceTo(p);
            if (p >= n) {
                throw err("unexpected end of template, expected '" + (block ? "%}" : "}}") + "'", p);
            }
            if (depth == 0) {
                String close = block ? "%}" : "}}";
                boolean minus = src.startsWith("-" + close, p);
                boolean plus = block && src.startsWith("+" + close, p);
                if (minus || plus || src.startsWith(close, p)) {
                    int end = p + (minus || plus ? 3 : 2);
                    add(block ? Token.Kind.BLOCK_END : Token.Kind.VAR_END, close, null, p);
                    advanceTo(afterClose(end, minus, plus, block));
                    return;
                }
            }
            char c = src.charAt(p);
            if (c == '\'' || c == '"') {
                lexString(p);
            } else if (Character.isDigit(c)) {
                lexNumber(p);
            } else if (Character.isLetter(c) || c == '_') {
                int e = p + 1;
                while (e < n && (Character.isLetterOrDigit(src.charAt(e)) || src.charAt(e) == '_')) {
                    e++;
                }
                add(Token.Kind.NAME, src.substring(p, e), null, p);
                advanceTo(e);
            } else {
                String op = null;
                for (String o : OPERATORS) {
                    if (src.startsWith(o, p)) {
                        op = o;
                        break;
                    }
                }
                if (op == null) {
                    throw err("unexpected character '" + c + "'", p);
                }
                if (op.equals("(") || op.equals("[") || op.equals("{")) {
                    depth++;
                } else if (op.equals(")") || op.equals("]") || op.equals("}")) {
                    if (depth == 0) {
                        throw err("unexpected '" + op + "'", p);
                    }
                    depth--;
                }
                add(Token.Kind.OP, op, null, p);
                advanceTo(p + op.length());
            }
        }
    }

    private void lexString(int p) throws TemplateException {
        char q = src.charAt(p);
        StringBuilder sb = new StringBuilder();
        int i = p + 1;
        int n = src.length();
        while (true) {
            if (i >= n) {
                throw err("unterminated string", p);
            }
            char c = src.charAt(i);
            if (c == q) {
                break;
            }
            if (c == '\\' && i + 1 < n) {
                char e = src.charAt(i + 1);
                i += 2;
                switch (e) {
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case 'r' -> sb.append('\r');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'v' -> sb.append('\u000b');
                    case 'a' -> sb.append('\u0007');
                    case '0' -> sb.append('\0');
                    case '\\' -> sb.append('\\');
                    case '\'' -> sb.append('\'');
                    case '"' -> sb.append('"');
                    case '\n' -> { }
                    case 'x' -> i = hexEscape(sb, i, 2, p);
                    case 'u' -> i = hexEscape(sb, i, 4, p);
                    case 'U' -> i = hexEscape(sb, i, 8, p);
                    default -> sb.append('\\').append(e);
                }
                continue;
            }
            sb.append(c);
            i++;
        }
        add(Token.Kind.STRING, src.substring(p, i + 1), sb.toString(), p);
        advanceTo(i + 1);
    }

    private int hexEscape(StringBuilder sb, int i, int digits, int p) throws TemplateException {
        if (i + digits > src.length()) {
            throw err("truncated escape in string", p);
        }
        try {
            int cp = Integer.parseInt(src.substring(i, i + digits), 16);
            sb.appendCodePoint(cp);
        } catch (IllegalArgumentException e) {
            throw err("bad escape in string", p);
        }
        return i + digits;
    }

    private void lexNumber(int p) throws TemplateException {
        int n = src.length();
        int e = p;
        while (e < n && (Character.isDigit(src.charAt(e)) || src.charAt(e) == '_')) {
            e++;
        }
        boolean isFloat = false;
        if (e + 1 < n && src.charAt(e) == '.' && Character.isDigit(src.charAt(e + 1))) {
            isFloat = true;
            e++;
            while (e < n && (Character.isDigit(src.charAt(e)) || src.charAt(e) == '_')) {
                e++;
            }
        }
        if (e < n && (src.charAt(e) == 'e' || src.charAt(e) == 'E')) {
            int k = e + 1;
            if (k < n && (src.charAt(k) == '+' || src.charAt(k) == '-')) {
                k++;
            }
            if (k < n && Character.isDigit(src.charAt(k))) {
                isFloat = true;
                e = k;
                while (e < n && Character.isDigit(src.charAt(e))) {
                    e++;
                }
            }
        }
        String text = src.substring(p, e);
        String digits = text.replace("_", "");
        try {
            if (isFloat) {
                add(Token.Kind.FLOAT, text, Double.parseDouble(digits), p);
            } else {
                add(Token.Kind.INT, text, Long.parseLong(digits), p);
            }
        } catch (NumberFormatException ex) {
            throw err("number out of range: " + text, p);
        }
        advanceTo(e);
    }

    private TemplateException err(String msg, int at) {
        int l = 1;
        int ls = 0;
        for (int i = 0; i < at && i < src.length(); i++) {
            if (src.charAt(i) == '\n') {
                l++;
                ls = i + 1;
            }
        }
        return TemplateException.syntax(msg, l, at - ls + 1);
    }

    static boolean allSpace(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            if (!PyValues.isSpace(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    static String stripTrailing(String s) {
        int e = s.length();
        while (e > 0 && PyValues.isSpace(s.charAt(e - 1))) {
            e--;
        }
        return s.substring(0, e);
    }
}
