package io.stellarchat.server.cli;

/** Entry point of the {@code stellar} command. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.out.println("stellar");
    }
}
