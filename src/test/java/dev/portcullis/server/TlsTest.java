package dev.portcullis.server;

import static dev.portcullis.testing.Clients.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.client.PortcullisClient;
import dev.portcullis.testing.Clients;
import dev.portcullis.testing.Recorder;
import dev.portcullis.testing.TestServer;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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

/** TLS for both listeners from one self-signed keystore (README, "Deploying"). */
class TlsTest {
    private static final String PASSWORD = "changeit-for-tests";

    @TempDir
    Path dir;

    /** A self-signed PKCS12 keystore for 127.0.0.1, made with the JDK's keytool. */
    private Path keystore() throws Exception {
        Path file = dir.resolve("server.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "portcullis", "-keyalg", "EC",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", file.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD)
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes()));
        return file;
    }

    private static HttpClient trusting(Path keystore) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, PASSWORD.toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(context).build();
    }

    @Test
    @DisplayName("with --tls-keystore the API is https and the gate is wss; login, auth and a room work over TLS")
    void overTls() throws Exception {
        Path keystore = keystore();
        try (TestServer server = TestServer.start(dir, "--tls-keystore", keystore.toString(),
                "--tls-keystore-password", PASSWORD, "--auth-modes", "message,ticket,cookie")) {
            HttpClient https = trusting(keystore);
            URI login = URI.create("https://127.0.0.1:" + server.httpUri("/").getPort() + "/auth/login");
            HttpResponse<String> r = https.send(HttpRequest.newBuilder(login)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"alice\",\"password\":\"" + TestServer.PASSWORD + "\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("Set-Cookie").orElse("").contains("; Secure"), "cookies are Secure over TLS");
            // The Java client logs in over https and passes the gate over wss with the same trusting HttpClient.
            try (PortcullisClient c = Clients.of(server, "alice", new Recorder())
                    .httpUri(URI.create("https://127.0.0.1:" + server.httpUri("/").getPort()))
                    .wsUri(URI.create("wss://127.0.0.1:" + server.wsPort() + "/"))
                    .httpClient(https)
                    .build()) {
                c.connect();
                assertEquals("alice", c.user());
                assertEquals(List.of("alice"), get(c.join("secure")));
                String payload = "\"" + "x".repeat(20_000) + "\"";
                assertEquals(payload, get(c.send("secure", payload, null)).payloadJson());
            }
        }
    }
}
