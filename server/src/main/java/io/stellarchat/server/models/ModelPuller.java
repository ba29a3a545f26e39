package io.stellarchat.server.models;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code stellar pull <repo>[:<quant or file>]}: finds the GGUF file (or every part of a split GGUF) in a Hub
 * repository, downloads it into the models directory with resume, checks the SHA-256 the Hub lists, and only
 * then moves it into place — a partial download is {@code .<name>.part} and never looks like a model.
 *
 * <p>Choosing: an exact file name wins; else a quant tag ({@code Q4_K_M}) matched against the GGUF names (case
 * does not matter); else {@value #DEFAULT_QUANT} if there is one, else the only GGUF. A name like
 * {@code model-00001-of-00003.gguf} brings all three parts.
 *
 * <p>Threads: one pull per instance, on the caller's thread.
 */
public final class ModelPuller {
    /** The quant taken when the spec names none (llama.cpp's and Ollama's usual default). */
    public static final String DEFAULT_QUANT = "Q4_K_M";
    private static final Pattern SPLIT = Pattern.compile("(?i)(.*)-(\\d{5})-of-(\\d{5})\\.gguf");
    private static final int BUFFER = 1 << 20;

    private final HubClient hub;
    private final Path modelsDir;

    /** What a pull reports as it goes (on the pulling thread). */
    public interface Progress {
        /** A file starts; {@code already} bytes of it were there from an earlier attempt. */
        void start(HubFile file, long already);

        /** {@code done} of the file's bytes are on disk. */
        void bytes(HubFile file, long done);

        /** The file is verified and in place. */
        void finished(HubFile file, Path where);
    }

    public ModelPuller(HubClient hub, Path modelsDir) {
        this.hub = hub;
        this.modelsDir = modelsDir;
    }

    /** A parsed {@code <repo>[:<quant or file>]}. */
    public record Spec(String repo, String select) {
        public static Spec parse(String text) throws PullException {
            String t = text.strip();
            if (t.startsWith("hf.co/")) t = t.substring(6);
            if (t.startsWith("huggingface.co/")) t = t.substring(15);
            int colon = t.indexOf(':');
            String repo = colon < 0 ? t : t.substring(0, colon);
            String select = colon < 0 ? null : t.substring(colon + 1);
            if (!repo.matches("[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*")) {
                throw new PullException("'" + text + "' is not <owner>/<repository>[:<quant or file>], e.g. "
                        + "Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M");
            }
            return new Spec(repo, select == null || select.isBlank() ? null : select);
        }
    }

    /** Pulls what {@code spec} names; returns the files now in the models directory (first part first). */
    public List<Path> pull(Spec spec, Progress progress) throws PullException {
        List<HubFile> files = choose(spec, hub.files(spec.repo()));
        try {
            Files.createDirectories(modelsDir);
        } catch (IOException e) {
            throw new PullException("cannot create the models directory " + modelsDir + ": " + e.getMessage(), e);
        }
        List<Path> out = new ArrayList<>();
        for (HubFile f : files) out.add(download(spec.repo(), f, progress));
        return out;
    }

    /** The files {@code spec} selects among {@code all}. */
    static List<HubFile> choose(Spec spec, List<HubFile> all) throws PullException {
        List<HubFile> ggufs = all.stream().filter(f -> f.path().toLowerCase(Locale.ROOT).endsWith(".gguf")).toList();
        if (ggufs.isEmpty()) throw new PullException(spec.repo() + " has no GGUF files");
        List<String> names = ggufs.stream().map(HubFile::path).toList();
        HubFile pick = null;
        if (spec.select() != null) {
            for (HubFile f : ggufs) {
                if (f.path().equals(spec.select()) || f.name().equals(spec.select())) pick = f;
            }
            if (pick == null) {
                String tag = spec.select().toLowerCase(Locale.ROOT);
                List<HubFile> tagged = ggufs.stream().filter(f -> f.name().toLowerCase(Locale.ROOT).contains(tag)).toList();
                if (tagged.isEmpty()) {
                    throw new PullException("no GGUF file in " + spec.repo() + " matches '" + spec.select() + "'; it has: " + names);
                }
                pick = firstPart(tagged);
            }
        } else {
            List<HubFile> dflt = ggufs.stream()
                    .filter(f -> f.name().toLowerCase(Locale.ROOT).contains(DEFAULT_QUANT.toLowerCase(Locale.ROOT))).toList();
            if (!dflt.isEmpty()) {
                pick = firstPart(dflt);
            } else {
                List<HubFile> firsts = ggufs.stream().filter(f -> !SPLIT.matcher(f.name()).matches()
                        || SPLIT.matcher(f.name()).replaceAll("$2").equals("00001")).toList();
                if (firsts.size() != 1) {
                    throw new PullException(spec.repo() + " has several GGUF files; name one with :<quant or file>: " + names);
                }
                pick = firsts.getFirst();
            }
        }
        HubFile chosen = pick;
        Matcher m = SPLIT.matcher(chosen.name());
        if (!m.matches()) return List.of(chosen);
        String stem = m.group(1);
        int parts = Integer.parseInt(m.group(3));
        List<HubFile> out = new ArrayList<>();
        for (int i = 1; i <= parts; i++) {
            String want = String.format(Locale.ROOT, "%s-%05d-of-%05d.gguf", stem, i, parts);
            HubFile part = ggufs.stream().filter(f -> f.name().equalsIgnoreCase(want)).findFirst()
                    .orElseThrow(() -> new PullException("split GGUF " + chosen.name() + ": part " + want + " is missing from "
                            + spec.repo()));
            out.add(part);
        }
        return out;
    }

    private static HubFile firstPart(List<HubFile> files) {
        for (HubFile f : files) {
            Matcher m = SPLIT.matcher(f.name());
            if (!m.matches() || m.group(2).equals("00001")) return f;
        }
        return files.getFirst();
    }

    private Path download(String repo, HubFile f, Progress progress) throws PullException {
        Path target = confined(f.name());
        Path part = confined("." + f.name() + ".part");
        try {
            if (Files.isSymbolicLink(part)) {
                // Written through, a link would let the Hub's bytes land anywhere the link points.
                throw new PullException("the partial download " + part + " is a symbolic link; remove it and pull again");
            }
            if (Files.exists(target) && Files.size(target) == f.size() && (f.sha256() == null || f.sha256().equals(sha256(target)))) {
                progress.start(f, f.size());
                progress.finished(f, target);
                return target; // already here and intact
            }
            MessageDigest digest = digest();
            long have = Files.exists(part) ? Files.size(part) : 0;
            if (have > f.size()) {
                Files.delete(part);
                have = 0;
            }
            if (have > 0) hash(part, digest);
            progress.start(f, have);
            if (have < f.size() || f.size() == 0) {
                HttpResponse<java.io.InputStream> r = hub.open(repo, f, have);
                if (r.statusCode() == 200 && have > 0) { // no range support: start over
                    digest = digest();
                    have = 0;
                    Files.deleteIfExists(part);
                }
                try (InputStream in = r.body();
                     OutputStream out = Files.newOutputStream(part, LinkOption.NOFOLLOW_LINKS, StandardOpenOption.CREATE,
                             StandardOpenOption.WRITE,
                             have > 0 ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                    byte[] buf = new byte[BUFFER];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        out.write(buf, 0, n);
                        digest.update(buf, 0, n);
                        have += n;
                        progress.bytes(f, have);
                    }
                }
            }
            if (have != f.size()) {
                throw new PullException("download of " + f.name() + " stopped at " + have + " of " + f.size()
                        + " bytes; run the same pull again to resume");
            }
            String got = HexFormat.of().formatHex(digest.digest());
            if (f.sha256() != null && !f.sha256().equalsIgnoreCase(got)) {
                Files.deleteIfExists(part);
                throw new PullException("checksum mismatch for " + f.name() + ": the Hub lists SHA-256 " + f.sha256()
                        + ", the download has " + got + "; the partial file was removed, pull again");
            }
            try {
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
            }
            progress.finished(f, target);
            return target;
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("No space left")) {
                throw new PullException("the disk is full while writing " + part + " (" + f.size() + " bytes needed); "
                        + "free space and pull again to resume", e);
            }
            throw new PullException("download of " + f.name() + " failed: " + m + "; run the same pull again to resume", e);
        }
    }

    /**
     * {@code name} (a file name the Hub listed) inside the models directory, never elsewhere: a name is one path
     * element — not empty, not {@code .} or {@code ..}, no separator — so the file it names is a direct child of
     * the directory. Writes to it never follow a symbolic link (the part file is opened with
     * {@code NOFOLLOW_LINKS}; the final move replaces a link at the target, not what it points to).
     */
    private Path confined(String name) throws PullException {
        if (name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0 || name.indexOf('\\') >= 0
                || name.indexOf('\0') >= 0) {
            throw new PullException("the Hub listed a file name that is not a plain name: '" + name + "'");
        }
        Path dir = modelsDir.toAbsolutePath().normalize();
        Path p = dir.resolve(name).normalize();
        if (!dir.equals(p.getParent())) {
            throw new PullException("the Hub listed a file name outside the models directory: '" + name + "'");
        }
        return p;
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void hash(Path p, MessageDigest d) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            byte[] buf = new byte[BUFFER];
            int n;
            while ((n = in.read(buf)) > 0) d.update(buf, 0, n);
        }
    }

    static String sha256(Path p) throws IOException {
        MessageDigest d = digest();
        hash(p, d);
        return HexFormat.of().formatHex(d.digest());
    }
}
