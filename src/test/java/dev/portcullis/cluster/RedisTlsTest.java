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
import dev.portcullis.testing.SelfSignedPem;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
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
        // Made with the JDK's keytool, so the test runs wherever redis-server does (and fails with it under
        // PORTCULLIS_REQUIRE_REDIS=1), never skipped for a missing openssl.
        SelfSignedPem pem = SelfSignedPem.create(dir);

        try (RedisServer redis = RedisServer.startTls(pem.certificate(), pem.key()); LogCapture logs = LogCapture.start()) {
            RedisState state = RedisState.start(RedisUrl.parse("rediss://:tls-s3cret@127.0.0.1:" + redis.port() + "/0"),
                    "a", RateSpec.OFF, MutableClock.atNow(), Duration.ZERO, RedisTimings.DEFAULT);
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
