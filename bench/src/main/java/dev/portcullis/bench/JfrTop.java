package dev.portcullis.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a server's CPU time went, from a JFR recording: execution samples (and native-method samples, except
 * threads waiting in epoll) counted by thread and by the
 * method on top of the stack (self time), and by the first frame of our own code or of Java-WebSocket
 * (who asked for it). Run it alone on any recording: {@code java -cp ... dev.portcullis.bench.JfrTop FILE [N]}.
 */
public final class JfrTop {
    /** Native methods in which a thread waits rather than works: their samples are not CPU time. */
    private static final java.util.Set<String> IDLE = java.util.Set.of("EPoll.wait", "Net.poll", "Net.accept",
            "ServerSocketChannelImpl.accept0", "SocketDispatcher.read0@blocking", "Object.wait");
    private JfrTop() {
    }

    public static void main(String[] args) throws IOException {
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        Samples s = read(Path.of(args[0]));
        System.out.println(s.total + " execution samples");
        print("by thread", s.threads, s.total, n);
        print("by method on top of the stack (self)", s.self, s.total, n);
        print("by first portcullis or java_websocket frame", s.owner, s.total, n);
    }

    /** A one-line summary: sample count, then the busiest threads and the hottest self methods. */
    static String summary(Path file, int n) {
        try {
            Samples s = read(file);
            return s.total + " samples; threads " + top(s.threads, s.total, n) + "; self " + top(s.self, s.total, n)
                    + "; via " + top(s.owner, s.total, n);
        } catch (IOException e) {
            return "unreadable: " + e.getMessage();
        }
    }

    private static final class Samples {
        long total;
        final Map<String, Long> threads = new HashMap<>();
        final Map<String, Long> self = new HashMap<>();
        final Map<String, Long> owner = new HashMap<>();
    }

    private static Samples read(Path file) throws IOException {
        Samples s = new Samples();
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            String type = e.getEventType().getName();
            if (!type.equals("jdk.ExecutionSample") && !type.equals("jdk.NativeMethodSample")) {
                continue;
            }
            RecordedStackTrace trace = e.getStackTrace();
            if (trace != null && !trace.getFrames().isEmpty() && IDLE.contains(name(trace.getFrames().get(0)))) {
                continue; // a thread in native code waiting for work, not using the CPU
            }
            s.total++;
            RecordedThread t = e.getThread("sampledThread");
            s.threads.merge(t == null ? "?" : t.getJavaName().replaceAll("\\d+$", "N"), 1L, Long::sum);
            RecordedStackTrace stack = e.getStackTrace();
            List<RecordedFrame> frames = stack == null ? List.of() : stack.getFrames();
            s.self.merge(frames.isEmpty() ? "?" : name(frames.get(0)), 1L, Long::sum);
            String via = "(jdk only)";
            for (RecordedFrame f : frames) {
                String cls = f.getMethod().getType().getName();
                if (cls.startsWith("dev.portcullis") || cls.startsWith("org.java_websocket")) {
                    via = name(f);
                    break;
                }
            }
            s.owner.merge(via, 1L, Long::sum);
        }
        return s;
    }

    private static String name(RecordedFrame f) {
        String cls = f.getMethod().getType().getName();
        return cls.substring(cls.lastIndexOf('.') + 1) + "." + f.getMethod().getName();
    }

    private static String top(Map<String, Long> counts, long total, int n) {
        return counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(n)
                .map(en -> en.getKey() + " " + Math.round(100.0 * en.getValue() / Math.max(1, total)) + "%")
                .collect(Collectors.joining(", "));
    }

    private static void print(String title, Map<String, Long> counts, long total, int n) {
        System.out.println("\n" + title + ":");
        counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(n)
                .forEach(en -> System.out.printf("  %5.1f%%  %s%n", 100.0 * en.getValue() / Math.max(1, total), en.getKey()));
    }
}
