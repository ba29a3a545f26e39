package io.stellarchat.server.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** The version of this build, from {@code version.properties} (filled in by Maven). */
public final class StellarVersion implements IVersionProvider {
    /** The project version, or {@code dev} when run from unpackaged sources without resources. */
    public static String version() {
        try (InputStream in = StellarVersion.class.getResourceAsStream("version.properties")) {
            if (in == null) return "dev";
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "dev");
            return v.startsWith("${") ? "dev" : v;
        } catch (IOException e) {
            return "dev";
        }
    }

    /** One line: product, version, Java runtime and platform. */
    public static String line() {
        return "stellar " + version() + " (Java " + Runtime.version() + ", " + System.getProperty("os.name")
                + " " + System.getProperty("os.arch") + ")";
    }

    @Override
    public String[] getVersion() {
        return new String[] {line()};
    }
}
