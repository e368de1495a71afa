package dev.portcullis.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.portcullis.testing.RawHttp;
import dev.portcullis.testing.Servers;
import dev.portcullis.testing.TestServer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Host check of the HTTP API, protocol.md §7.7: against DNS rebinding, only the server's own names and
 * the listed ones are answered. Raw sockets, because the JDK's HttpClient will not send a chosen Host.
 */
class HostCheckTest {
    @RegisterExtension
    final Servers servers = new Servers();

    private static RawHttp.Answer healthz(TestServer server, String hostLines) {
        return RawHttp.get(server.httpUri("/").getPort(), "/healthz", hostLines);
    }

    private static void assertAnswered(TestServer server, String host) {
        RawHttp.Answer a = healthz(server, "Host: " + host + "\r\n");
        assertEquals(200, a.status(), host + ": " + a.body());
    }

    private static void assertMisdirected(TestServer server, String host) {
        RawHttp.Answer a = healthz(server, "Host: " + host + "\r\n");
        assertEquals(421, a.status(), host);
        assertEquals("{\"error\":\"unknown_host\",\"message\":\"this server does not answer to that Host\"}\n", a.body());
        assertEquals("application/json; charset=utf-8", a.header("Content-Type"));
        assertEquals("close", a.header("Connection"));
    }

    @Test
    @DisplayName("§7.7: on the loopback bind the API answers 127.0.0.1, localhost and [::1], with or without a port")
    void loopbackNames() {
        TestServer server = servers.start();
        int port = server.httpUri("/").getPort();
        for (String host : new String[] {"127.0.0.1:" + port, "127.0.0.1", "localhost:" + port, "LOCALHOST",
                "[::1]:" + port, "[::1]"}) {
            assertAnswered(server, host);
        }
    }

    @Test
    @DisplayName("§7.7: any other name, as a DNS-rebinding page would send, gets 421 unknown_host and a closed connection")
    void otherNamesMisdirected() {
        TestServer server = servers.start();
        int port = server.httpUri("/").getPort();
        for (String host : new String[] {"rebind.attacker.example:" + port, "rebind.attacker.example",
                "localhost.attacker.example", "127.0.0.2:" + port, "10.0.0.5"}) {
            assertMisdirected(server, host);
        }
        // The answer comes before routing: a route that needs no token is refused like any other.
        RawHttp.Answer login = RawHttp.send("127.0.0.1", port, "POST /auth/login HTTP/1.1\r\nHost: evil.example\r\n"
                + "Content-Length: 2\r\nConnection: close\r\n\r\n{}");
        assertEquals(421, login.status());
    }

    @Test
    @DisplayName("§7.7: no Host header, two of them or one that is not a host gets 400 invalid_request")
    void malformedHost() {
        TestServer server = servers.start();
        int port = server.httpUri("/").getPort();
        String[] cases = {"", "Host: 127.0.0.1\r\nHost: 127.0.0.1\r\n", "Host: 127.0.0.1 evil\r\n", "Host: a/b\r\n"};
        for (String lines : cases) {
            RawHttp.Answer a = RawHttp.get(port, "/healthz", lines);
            assertEquals(400, a.status(), lines);
            assertEquals("{\"error\":\"invalid_request\",\"message\":\"send exactly one Host header\"}\n", a.body());
        }
    }

    @Test
    @DisplayName("§7.7: --allowed-hosts adds names to the server's own; '*' answers any Host")
    void listedNames() {
        TestServer listed = servers.start("--allowed-hosts", "chat.example, Api.Example");
        assertAnswered(listed, "chat.example:8443");
        assertAnswered(listed, "api.example");
        assertAnswered(listed, "127.0.0.1");
        assertMisdirected(listed, "other.example");

        TestServer any = servers.start("--allowed-hosts", "*");
        assertAnswered(any, "rebind.attacker.example");
        assertEquals(200, RawHttp.get(any.httpUri("/").getPort(), "/healthz", "").status(), "no Host at all");
    }

    @Test
    @DisplayName("§7.7: on a wildcard bind with no list, IP literals and localhost are answered, DNS names are not")
    void wildcardBind() {
        TestServer server = servers.start("--bind", "0.0.0.0");
        for (String host : new String[] {"127.0.0.1", "10.1.2.3:8081", "[2001:db8::7]", "localhost"}) {
            assertAnswered(server, host);
        }
        assertMisdirected(server, "chat.example");
        assertMisdirected(server, "1.2.3.4.nip.example");
    }
}
