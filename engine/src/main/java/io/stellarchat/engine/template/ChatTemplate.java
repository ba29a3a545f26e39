package io.stellarchat.engine.template;

import io.stellarchat.engine.template.Node.Stmt;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Clock;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A compiled chat template: a model's {@code tokenizer.chat_template} (Jinja) parsed once, rendered many times.
 *
 * <p>Rendering matches Python jinja2 3.1 as Hugging Face transformers drives it ({@code apply_chat_template}):
 * an ImmutableSandboxedEnvironment with {@code trim_blocks} and {@code lstrip_blocks}, loop controls, the
 * {@code {% generation %}} tag, {@code tojson} as {@code json.dumps(ensure_ascii=False)}, and the globals
 * {@code raise_exception(msg)} and {@code strftime_now(fmt)}. Values print with Python {@code str()} semantics.
 *
 * <p>Instances are immutable and thread-safe: the syntax tree is shared, each render gets its own evaluator.
 * A hostile template meets limits (1 Mi characters of output or of any string, 10^6 loop iterations, a work
 * budget charged by the size of the collections operations walk, macro recursion depth 100, syntax nesting 200)
 * and fails with a {@link TemplateException}, never a StackOverflowError, an OOM or a hang.
 */
public final class ChatTemplate {
    private static final String CHATML = """
            {%- for message in messages -%}
            {{- '<|im_start|>' + message['role'] + '\\n' -}}
            {%- if message['content'] is string -%}
            {{- message['content'] -}}
            {%- elif message['content'] is iterable -%}
            {%- for part in message['content'] -%}
            {%- if part['type'] == 'text' -%}{{- part['text'] -}}{%- endif -%}
            {%- endfor -%}
            {%- endif -%}
            {{- '<|im_end|>\\n' -}}
            {%- endfor -%}
            {%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}
            """;

    private final List<Stmt> body;
    private final Clock clock;

    private ChatTemplate(List<Stmt> body, Clock clock) {
        this.body = body;
        this.clock = clock;
    }

    /** Parses a template; syntax errors name line and column. */
    public static ChatTemplate compile(String source) throws TemplateException {
        Objects.requireNonNull(source, "source");
        try {
            return new ChatTemplate(List.copyOf(Parser.parse(source)), Clock.systemDefaultZone());
        } catch (StackOverflowError e) {
            throw new TemplateException(TemplateException.Kind.SYNTAX, "template nested too deeply");
        }
    }

    /**
     * The documented fallback for a model without a chat template: ChatML. Each message renders as
     * {@code <|im_start|>ROLE\nCONTENT<|im_end|>\n} (content parts of type {@code text} are concatenated), and
     * {@code <|im_start|>assistant\n} follows when {@code add_generation_prompt} is true.
     */
    public static ChatTemplate chatMlFallback() {
        try {
            return compile(CHATML);
        } catch (TemplateException e) {
            throw new IllegalStateException("built-in ChatML template does not compile", e);
        }
    }

    /** The same template, with {@code strftime_now} reading the given clock (local date-time in its zone). */
    public ChatTemplate withClock(Clock clock) {
        return new ChatTemplate(body, Objects.requireNonNull(clock, "clock"));
    }

    /**
     * Renders with exactly these variables. Values may be String, Boolean, Integer/Long/Short/Byte, Double/Float,
     * BigInteger/BigDecimal (within long/double), List, Map (String keys; iteration order is kept) and null; they
     * are copied, so the caller's collections are never touched.
     */
    public String render(Map<String, Object> variables) throws TemplateException {
        Map<String, Object> vars = new LinkedHashMap<>();
        IdentityHashMap<Object, Boolean> path = new IdentityHashMap<>();
        for (Map.Entry<String, Object> e : variables.entrySet()) {
            vars.put(e.getKey(), importValue(e.getValue(), e.getKey(), path, 0));
        }
        LocalDateTime now = LocalDateTime.now(clock);
        return new Renderer(now).render(body, vars);
    }

    /**
     * Renders a conversation: sets {@code messages} and {@code add_generation_prompt}, then every entry of
     * {@code extra} ({@code bos_token}, {@code eos_token}, {@code tools}, {@code enable_thinking}, ...); a null
     * {@code tools} entry is left out, so templates see tools as undefined when there are none.
     */
    public String renderChat(List<Map<String, Object>> messages, boolean addGenerationPrompt, Map<String, Object> extra)
            throws TemplateException {
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("messages", messages);
        if (extra != null) {
            for (Map.Entry<String, Object> e : extra.entrySet()) {
                if (e.getKey().equals("tools") && e.getValue() == null) {
                    continue;
                }
                vars.put(e.getKey(), e.getValue());
            }
        }
        vars.put("add_generation_prompt", addGenerationPrompt);
        return render(vars);
    }

    private static Object importValue(Object v, String where, IdentityHashMap<Object, Boolean> path, int depth)
            throws TemplateException {
        if (depth > 256) {
            throw TemplateException.render("variable '" + where + "' is nested too deeply");
        }
        return switch (v) {
            case null -> null;
            case String s -> s;
            case Boolean b -> b;
            case Long l -> l;
            case Integer i -> (long) i;
            case Short s -> (long) s;
            case Byte b -> (long) b;
            case Double d -> d;
            case Float f -> (double) f;
            case BigInteger bi -> {
                if (bi.bitLength() > 63) {
                    throw TemplateException.render("variable '" + where + "': integer out of range");
                }
                yield bi.longValue();
            }
            case BigDecimal bd -> bd.doubleValue();
            case CharSequence cs -> cs.toString();
            case List<?> l -> {
                if (path.put(l, Boolean.TRUE) != null) {
                    throw TemplateException.render("variable '" + where + "' contains a cycle");
                }
                List<Object> out = new ArrayList<>(l.size());
                for (Object o : l) {
                    out.add(importValue(o, where, path, depth + 1));
                }
                path.remove(l);
                yield out;
            }
            case Map<?, ?> m -> {
                if (path.put(m, Boolean.TRUE) != null) {
                    throw TemplateException.render("variable '" + where + "' contains a cycle");
                }
                Map<Object, Object> out = new LinkedHashMap<>();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    out.put(importValue(e.getKey(), where, path, depth + 1),
                            importValue(e.getValue(), where, path, depth + 1));
                }
                path.remove(m);
                yield out;
            }
            default -> throw TemplateException.render("variable '" + where + "' has unsupported type "
                    + v.getClass().getName());
        };
    }
}
