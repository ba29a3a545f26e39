/**
 * Model files: pulling GGUF files from the Hugging Face Hub ({@link io.stellarchat.server.models.HubClient},
 * {@link io.stellarchat.server.models.ModelPuller}) into the models directory, with resume and checksums.
 * Used by the CLI ({@code stellar pull}); knows nothing of serving.
 */
package io.stellarchat.server.models;
