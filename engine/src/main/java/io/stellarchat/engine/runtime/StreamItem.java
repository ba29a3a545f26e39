package io.stellarchat.engine.runtime;

/** What a request's channel carries from the engine to the caller: events, then exactly one end. */
public sealed interface StreamItem {

    /** A token or released text. */
    record Event(GenerationEvent event) implements StreamItem {}

    /** The generation ended normally (including by cancellation); nothing follows. */
    record Finished(GenerationResult result) implements StreamItem {}

    /** The generation failed; nothing follows. */
    record Failed(RuntimeException error) implements StreamItem {}
}
