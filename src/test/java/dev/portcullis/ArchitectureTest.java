package dev.portcullis;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The package structure that README.md ("How it is built") describes, checked on the source text of every
 * main file: {@code src/main/java} and the benchmark harness in {@code bench/src/main/java}. Nothing is
 * compiled or loaded. Packages must form no cycle and keep to {@link #LAYERS}; files must form no cycle,
 * except the harness's, whose runner and scenarios are one tool and no part of the product, and the arrows
 * listed in {@link #KNOWN_FILE_ARROWS}.
 *
 * <p>What it reads. Comments and string literals are blanked out first, so a Javadoc link or a log message
 * is no arrow. An arrow between packages, and between two files of different packages, is an import of a
 * {@code dev.portcullis} type (static imports too) or a fully qualified {@code dev.portcullis} name in the
 * code; an import of a nested type points at the file that holds it. Between two files of one package,
 * which need no import, a file uses another when the other's name appears in its code as a word: a
 * variable spelt like a class would count too, which Java's naming habits make rare. A name imported but
 * never used still counts. Wildcard imports of {@code dev.portcullis} packages are refused, since they hide
 * which file is used.
 */
@DisplayName("Architecture")
class ArchitectureTest {
    private static final String ROOT = "dev.portcullis";
    private static final List<Path> SOURCE_ROOTS = List.of(Path.of("src/main/java"), Path.of("bench/src/main/java"));

    /**
     * The layers, top to bottom, by package ({@value #ROOT} itself, which holds only Main, and the others below
     * it by the rest of their names). A package may import only packages on layers below its own, so the
     * packages of one layer never import each other.
     */
    private static final List<List<String>> LAYERS = List.of(
            List.of(ROOT, "bench"),                             // the entry points: command line and benchmark
            List.of("server"),                                  // the wiring
            List.of("websocket", "http"),                       // the two listeners
            List.of("gate"),                                    // what a connection may do, free of any transport
            List.of("room", "metrics"),
            List.of("cluster", "session", "config"),
            List.of("auth", "audit", "limit", "client"),
            List.of("protocol", "crypto", "health", "net", "platform"));

    /**
     * File arrows left out of the file-cycle check, each with why it is still there. The list may only
     * shrink: an arrow listed here that the code no longer has fails the check, so that it is struck.
     */
    private static final Map<String, String> KNOWN_FILE_ARROWS = Map.of();

    private static final Pattern PACKAGE = Pattern.compile("\\bpackage\\s+([\\w.]+)\\s*;");
    private static final Pattern IMPORT = Pattern.compile(
            "\\bimport\\s+(?:static\\s+)?(" + Pattern.quote(ROOT) + "(?:\\.\\w+)*?)(\\.\\*)?\\s*;");
    private static final Pattern QUALIFIED = Pattern.compile(
            "(?<![\\w.])" + Pattern.quote(ROOT) + "(?:\\.[a-z]\\w*)*\\.[A-Z]\\w*");

    /** One main source file: its path, package, top-level name, code without comments and strings, and uses. */
    private record SourceFile(Path path, String pkg, String name, String code, List<Use> uses) {
        @Override
        public String toString() {
            return path.toString();
        }
    }

    /** A {@code dev.portcullis} type a file names: as written, and the package and file it lives in. */
    private record Use(String written, String pkg, String type) {
    }

    private static List<SourceFile> files;
    /** Package, then top-level name, to file. */
    private static Map<String, Map<String, SourceFile>> index;

    @BeforeAll
    static void read() {
        files = new ArrayList<>();
        for (Path root : SOURCE_ROOTS) {
            assertTrue(Files.isDirectory(root), root + " is not a directory: run from the project root");
            try (Stream<Path> paths = Files.walk(root)) {
                paths.filter(p -> p.toString().endsWith(".java")).sorted().forEach(p -> files.add(parse(p)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        assertTrue(files.size() > 100, "only " + files.size() + " source files found");
        index = new TreeMap<>();
        for (SourceFile f : files) {
            index.computeIfAbsent(f.pkg(), p -> new TreeMap<>()).put(f.name(), f);
        }
    }

    @Test
    @DisplayName("No two packages import each other, directly or through other packages")
    void noPackageCycle() {
        Map<String, Map<String, String>> arrows = new TreeMap<>();
        for (SourceFile f : files) {
            arrows.computeIfAbsent(f.pkg(), p -> new TreeMap<>());
            for (Use use : f.uses()) {
                if (!use.pkg().equals(f.pkg())) {
                    arrows.get(f.pkg()).putIfAbsent(use.pkg(), f + ": " + use.written());
                }
            }
        }
        List<String> cycles = describe(cycles(arrows), arrows, ArchitectureTest::shortName);
        assertTrue(cycles.isEmpty(), "package cycles:\n" + String.join("\n", cycles));
    }

    @Test
    @DisplayName("No two source files use each other, directly or through other files")
    void noFileCycle() {
        Map<SourceFile, Map<SourceFile, String>> arrows = new LinkedHashMap<>();
        for (SourceFile f : files) {
            if (!f.path().startsWith(SOURCE_ROOTS.get(0))) {
                continue; // the harness: see the class comment
            }
            Map<SourceFile, String> out = arrows.computeIfAbsent(f, x -> new LinkedHashMap<>());
            for (Use use : f.uses()) {
                SourceFile target = index.getOrDefault(use.pkg(), Map.of()).get(use.type());
                if (target != null && target != f) {
                    out.putIfAbsent(target, use.written());
                }
            }
            for (SourceFile other : index.get(f.pkg()).values()) {
                if (other != f && Pattern.compile("\\b" + other.name() + "\\b").matcher(f.code()).find()) {
                    out.putIfAbsent(other, "uses " + other.name());
                }
            }
        }
        for (String known : KNOWN_FILE_ARROWS.keySet()) {
            boolean present = arrows.entrySet().stream().anyMatch(from -> from.getValue().keySet().removeIf(
                    to -> (from.getKey() + " -> " + to).equals(known)));
            assertTrue(present, "KNOWN_FILE_ARROWS lists " + known + ", which the code no longer has: strike it");
        }
        List<String> cycles = describe(cycles(arrows), arrows, SourceFile::toString);
        assertTrue(cycles.isEmpty(), "file cycles:\n" + String.join("\n", cycles));
    }

    @Test
    @DisplayName("Every package sits on a declared layer and imports only packages on the layers below it")
    void layers() {
        Map<String, Integer> layerOf = new HashMap<>();
        for (int i = 0; i < LAYERS.size(); i++) {
            for (String name : LAYERS.get(i)) {
                String pkg = name.equals(ROOT) ? ROOT : ROOT + "." + name;
                assertNull(layerOf.put(pkg, i), name + " is on two layers");
                assertTrue(index.containsKey(pkg), "LAYERS names " + name + ", which has no source file");
            }
        }
        List<String> problems = new ArrayList<>();
        for (SourceFile f : files) {
            Integer own = layerOf.get(f.pkg());
            if (own == null) {
                problems.add(f + ": package " + f.pkg() + " is on no layer; add it to LAYERS");
                continue;
            }
            for (Use use : f.uses()) {
                Integer used = layerOf.get(use.pkg());
                if (use.pkg().equals(f.pkg()) || used != null && used > own) {
                    continue;
                }
                problems.add(f + ": " + use.written() + " -- " + shortName(f.pkg()) + " is on layer " + (own + 1)
                        + (used == null ? ", " + use.pkg() + " on none" : ", " + shortName(use.pkg()) + " on layer "
                        + (used + 1)) + ": a package may import only packages on lower layers");
            }
        }
        assertTrue(problems.isEmpty(), "layer violations:\n" + String.join("\n", problems));
    }

    private static SourceFile parse(Path path) {
        String code;
        try {
            code = withoutCommentsAndStrings(Files.readString(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Matcher pkg = PACKAGE.matcher(code);
        assertTrue(pkg.find(), path + " has no package line");
        List<Use> uses = new ArrayList<>();
        Matcher imp = IMPORT.matcher(code);
        while (imp.find()) {
            if (imp.group(2) != null) {
                fail(path + ": " + imp.group().strip() + " -- name the type: the check reads named imports only");
            }
            uses.add(use(imp.group().strip(), imp.group(1)));
        }
        Matcher qualified = QUALIFIED.matcher(imp.replaceAll(""));
        while (qualified.find()) {
            uses.add(use(qualified.group(), qualified.group()));
        }
        String file = path.getFileName().toString();
        return new SourceFile(path, pkg.group(1), file.substring(0, file.length() - ".java".length()), code, uses);
    }

    /** The package is every name before the first that starts in upper case; that one is the top-level type. */
    private static Use use(String written, String qualified) {
        String[] parts = qualified.split("\\.");
        int i = 0;
        while (i < parts.length && !Character.isUpperCase(parts[i].charAt(0))) {
            i++;
        }
        assertTrue(i < parts.length, written + " names no type");
        return new Use(written, String.join(".", List.of(parts).subList(0, i)), parts[i]);
    }

    /** Blanks out comments, string and text-block literals and char literals; line breaks stay. */
    static String withoutCommentsAndStrings(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int n = s.length();
        int i = 0;
        while (i < n) {
            int end;
            if (s.startsWith("//", i)) {
                end = s.indexOf('\n', i);
                end = end < 0 ? n : end;
            } else if (s.startsWith("/*", i)) {
                end = s.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
            } else if (s.startsWith("\"\"\"", i)) {
                end = i + 3;
                while (end < n && !s.startsWith("\"\"\"", end)) {
                    end += s.charAt(end) == '\\' ? 2 : 1;
                }
                end = Math.min(n, end + 3);
            } else if (s.charAt(i) == '"' || s.charAt(i) == '\'') {
                char quote = s.charAt(i);
                end = i + 1;
                while (end < n && s.charAt(end) != quote && s.charAt(end) != '\n') {
                    end += s.charAt(end) == '\\' ? 2 : 1;
                }
                end = Math.min(n, end + 1);
            } else {
                out.append(s.charAt(i++));
                continue;
            }
            for (int k = i; k < end; k++) {
                out.append(s.charAt(k) == '\n' ? '\n' : ' ');
            }
            i = end;
        }
        return out.toString();
    }

    /** Every cycle a depth-first walk closes, each as its nodes with the first repeated at the end. */
    private static <N> List<List<N>> cycles(Map<N, Map<N, String>> arrows) {
        List<List<N>> found = new ArrayList<>();
        Set<N> done = new HashSet<>();
        for (N start : arrows.keySet()) {
            walk(start, arrows, new ArrayList<>(), done, found);
        }
        return found;
    }

    private static <N> void walk(N node, Map<N, Map<N, String>> arrows, List<N> path, Set<N> done,
                                 List<List<N>> found) {
        if (done.contains(node)) {
            return;
        }
        int onPath = path.indexOf(node);
        if (onPath >= 0) {
            List<N> cycle = new ArrayList<>(path.subList(onPath, path.size()));
            cycle.add(node);
            found.add(cycle);
            return;
        }
        path.add(node);
        for (N next : arrows.getOrDefault(node, Map.of()).keySet()) {
            walk(next, arrows, path, done, found);
        }
        path.remove(path.size() - 1);
        done.add(node);
    }

    /** A cycle as one line of names, then each of its arrows with what makes it. */
    private static <N> List<String> describe(List<List<N>> cycles, Map<N, Map<N, String>> arrows,
                                             Function<N, String> name) {
        List<String> lines = new ArrayList<>();
        for (List<N> cycle : cycles) {
            StringBuilder b = new StringBuilder(String.join(" -> ", cycle.stream().map(name).toList()));
            for (int i = 0; i + 1 < cycle.size(); i++) {
                b.append("\n    ").append(name.apply(cycle.get(i))).append(" -> ").append(name.apply(cycle.get(i + 1)))
                        .append(": ").append(arrows.get(cycle.get(i)).get(cycle.get(i + 1)));
            }
            lines.add(b.toString());
        }
        return lines;
    }

    private static String shortName(String pkg) {
        return pkg.equals(ROOT) ? ROOT : pkg.substring(ROOT.length() + 1);
    }
}
