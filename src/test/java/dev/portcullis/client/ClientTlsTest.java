package dev.portcullis.client;

import static dev.portcullis.testing.Clients.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.testing.Clients;
import dev.portcullis.testing.TestServer;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client over https:// and wss://, given an HttpClient that trusts the server's certificate. */
class ClientTlsTest {
    private static final String STORE_PASSWORD = "changeit-for-tests";

    @TempDir
    Path dir;

    @Test
    @DisplayName("with an HttpClient that trusts the server, the client logs in over https and talks over wss")
    void overTls() throws Exception {
        Path keystore = dir.resolve("server.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "portcullis", "-keyalg", "EC",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD)
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes()));

        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, STORE_PASSWORD.toCharArray());
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, trust.getTrustManagers(), null);

        try (TestServer server = TestServer.start(dir.resolve("data"), "--tls-keystore", keystore.toString(),
                "--tls-keystore-password", STORE_PASSWORD);
             PortcullisClient alice = PortcullisClient.builder()
                     .httpUri(URI.create("https://127.0.0.1:" + server.httpUri("/").getPort()))
                     .wsUri(URI.create("wss://127.0.0.1:" + server.wsPort() + "/"))
                     .httpClient(HttpClient.newBuilder().sslContext(tls).build())
                     .credentials("alice", TestServer.PASSWORD)
                     .build()) {
            alice.connect();
            assertEquals(List.of("alice"), get(alice.join("secure")));
            assertEquals(1, get(alice.send("secure", "\"over TLS\"", null)).seq());
        }
    }
}
