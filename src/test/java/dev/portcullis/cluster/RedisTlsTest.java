package dev.portcullis.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.limit.RateSpec;
import dev.portcullis.testing.LogCapture;
import dev.portcullis.testing.MutableClock;
import dev.portcullis.testing.RedisServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code rediss://} checks the server's certificate: a server no trusted CA vouches for gets nothing. */
@Timeout(30)
class RedisTlsTest {
    @TempDir
    Path dir;

    @Test
    void aServerWithAnUntrustedCertificateNeverSeesThePassword() throws Exception {
        Path openssl = Path.of("/usr/bin/openssl");
        Assumptions.assumeTrue(Files.isExecutable(openssl), "openssl not installed: TLS test skipped");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Process p = new ProcessBuilder(openssl.toString(), "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days",
                "1", "-subj", "/CN=127.0.0.1").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "openssl could not make a certificate");

        try (RedisServer redis = RedisServer.startTls(cert, key); LogCapture logs = LogCapture.start()) {
            RedisState state = RedisState.start(RedisUrl.parse("rediss://:tls-s3cret@127.0.0.1:" + redis.port() + "/0"),
                    "a", RateSpec.OFF, MutableClock.atNow(), Duration.ZERO, RedisState.Timings.DEFAULT);
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> logs.text().contains("unavailable"));
                assertFalse(state.available());
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> state.join("r", new Member("alice", "a/1")).get(5, TimeUnit.SECONDS));
                assertInstanceOf(BrokerUnavailableException.class, e.getCause());
                String logged = logs.text();
                assertTrue(logged.contains("rediss://:***@127.0.0.1:" + redis.port()), logged);
                assertTrue(List.of("PKIX", "certificat", "SSL").stream().anyMatch(logged::contains), logged);
                assertFalse(logged.contains("tls-s3cret"), "the password reached the logs");
            } finally {
                state.close();
            }
        }
    }
}
