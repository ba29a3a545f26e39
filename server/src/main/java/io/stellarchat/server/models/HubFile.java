package io.stellarchat.server.models;

/**
 * A file of a Hugging Face Hub repository as its tree API lists it.
 *
 * @param path   path in the repository
 * @param size   bytes
 * @param sha256 the SHA-256 the Hub lists for an LFS file (lower-case hex), or null when it lists none
 */
public record HubFile(String path, long size, String sha256) {
    /** The file name without directories. */
    public String name() {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }
}
