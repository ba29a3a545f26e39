/**
 * Chat templates: a small Jinja interpreter for the {@code tokenizer.chat_template} of published models, checked
 * byte for byte against Python jinja2 renderings (as Hugging Face transformers configures it).
 *
 * <p>Entry points: {@link io.stellarchat.engine.template.ChatTemplate#compile(String)} (parse once; immutable and
 * thread-safe), {@link io.stellarchat.engine.template.ChatTemplate#render(java.util.Map)} /
 * {@link io.stellarchat.engine.template.ChatTemplate#renderChat renderChat}, and
 * {@link io.stellarchat.engine.template.ChatTemplate#chatMlFallback()} for models without a template. Failures are a
 * {@link io.stellarchat.engine.template.TemplateException}; {@code isRaised()} marks the template's own
 * {@code raise_exception} (bad input for this model, an HTTP 400 at the edge).
 *
 * <p>Inside: {@code Lexer} (whitespace control: trim_blocks, lstrip_blocks, {@code -}/{@code +} modifiers) →
 * {@code Parser} (jinja2's grammar and precedence) → {@code Node} (the immutable tree) → {@code Renderer} (one per
 * render: scopes, output, limits) with {@code Operators}, {@code Methods}, {@code Builtins} (filters, tests,
 * globals), {@code JsonDumps} ({@code tojson}), {@code Strftime} and {@code PyValues} (Python value semantics).
 * Everything but {@code ChatTemplate} and {@code TemplateException} is package-private.
 */
package io.stellarchat.engine.template;
