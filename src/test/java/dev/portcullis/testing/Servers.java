package dev.portcullis.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The servers and clients of one test, closed after it in reverse order, even when it fails, and a
 * temporary directory they live in, deleted after them. Register it on an instance field:
 * {@code @RegisterExtension final Servers servers = new Servers();}.
 */
public final class Servers implements AfterEachCallback {
    private final Deque<AutoCloseable> open = new ArrayDeque<>();
    private Path dir;
    private int started;

    /** A server on a fresh data dir and a fresh clock; see {@link TestServer#start(Path, String...)}. */
    public TestServer start(String... args) {
        return start(MutableClock.atNow(), args);
    }

    /** A server on a fresh data dir and {@code clock}; see {@link TestServer#start(Path, MutableClock, String...)}. */
    public TestServer start(MutableClock clock, String... args) {
        started++;
        return track(TestServer.start(dir().resolve("server-" + started), clock, args));
    }

    /**
     * A server on the data dir {@code previous} used, so it finds what that one left there (revocations,
     * blocks, the audit log), and a fresh clock. The test closes {@code previous} first: when it does so
     * is part of what it tests.
     */
    public TestServer startAfter(TestServer previous, String... args) {
        return track(TestServer.start(previous.dataDir(), args));
    }

    /** Closes {@code resource} after the test, before whatever was tracked earlier. */
    public <T extends AutoCloseable> T track(T resource) {
        open.push(resource);
        return resource;
    }

    /** This test's temporary directory, for files a test writes for its servers (a rooms file, say). */
    public Path dir() {
        if (dir == null) {
            try {
                dir = Files.createTempDirectory("portcullis-test");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        // Every resource gets closed even when one fails to; the first failure is reported, the rest ride along.
        Exception failure = null;
        while (!open.isEmpty()) {
            try {
                open.pop().close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        try {
            delete();
        } catch (IOException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void delete() throws IOException {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        dir = null;
    }
}
