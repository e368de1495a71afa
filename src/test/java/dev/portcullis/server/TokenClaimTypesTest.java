package dev.portcullis.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.portcullis.testing.RecordingClient;
import dev.portcullis.testing.Servers;
import dev.portcullis.testing.TestServer;
import dev.portcullis.testing.Tokens;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * protocol.md §3: correctly signed tokens whose claims or header have the wrong JSON type, written by hand
 * because no JWT library writes them, are refused everywhere a token is read: 1008 Invalid token at auth,
 * 401 on the Bearer routes of §7.4-§7.6.
 */
class TokenClaimTypesTest {
    private static final String HEADER = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

    @RegisterExtension
    final Servers servers = new Servers();

    static Stream<Arguments> hostileTokens() {
        return Stream.of(
                Arguments.of("exp is null", HEADER, payload("\"exp\":null", "\"sub\":\"alice\"")),
                Arguments.of("exp is a string", HEADER, payload("\"exp\":\"" + later() + "\"", "\"sub\":\"alice\"")),
                Arguments.of("exp is a boolean", HEADER, payload("\"exp\":true", "\"sub\":\"alice\"")),
                Arguments.of("exp is an array", HEADER, payload("\"exp\":[" + later() + "]", "\"sub\":\"alice\"")),
                Arguments.of("exp is past year 9999", HEADER, payload("\"exp\":10000000000000000", "\"sub\":\"alice\"")),
                Arguments.of("exp is past the last instant", HEADER, payload("\"exp\":100000000000000000", "\"sub\":\"alice\"")),
                Arguments.of("iat is null", HEADER, payload("\"exp\":" + later(), "\"sub\":\"alice\"", "\"iat\":null")),
                Arguments.of("iat is a string", HEADER, payload("\"exp\":" + later(), "\"sub\":\"alice\"", "\"iat\":\"0\"")),
                Arguments.of("nbf is null", HEADER, payload("\"exp\":" + later(), "\"sub\":\"alice\"", "\"nbf\":null")),
                Arguments.of("nbf is an object", HEADER, payload("\"exp\":" + later(), "\"sub\":\"alice\"", "\"nbf\":{}")),
                Arguments.of("sub is a number", HEADER, payload("\"exp\":" + later(), "\"sub\":42")),
                Arguments.of("sub is null", HEADER, payload("\"exp\":" + later(), "\"sub\":null")),
                Arguments.of("sub is an array", HEADER, payload("\"exp\":" + later(), "\"sub\":[\"alice\"]")),
                Arguments.of("crit names an unknown extension",
                        "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"crit\":[\"exp-ext\"],\"exp-ext\":1}",
                        payload("\"exp\":" + later(), "\"sub\":\"alice\"")),
                Arguments.of("crit names a standard header", "{\"alg\":\"HS256\",\"crit\":[\"alg\"]}",
                        payload("\"exp\":" + later(), "\"sub\":\"alice\"")),
                Arguments.of("crit is empty", "{\"alg\":\"HS256\",\"crit\":[]}",
                        payload("\"exp\":" + later(), "\"sub\":\"alice\"")),
                Arguments.of("crit is not an array", "{\"alg\":\"HS256\",\"crit\":\"b64\",\"b64\":false}",
                        payload("\"exp\":" + later(), "\"sub\":\"alice\"")),
                Arguments.of("crit is null", "{\"alg\":\"HS256\",\"crit\":null}",
                        payload("\"exp\":" + later(), "\"sub\":\"alice\"")));
    }

    /** An hour after the real time: TestServer's clock starts at now. */
    private static long later() {
        return Instant.now().getEpochSecond() + 3600;
    }

    private static String payload(String... claims) {
        return "{\"iss\":\"portcullis\",\"jti\":\"hand-made\",\"roles\":[\"user\"]," + String.join(",", claims) + "}";
    }

    @ParameterizedTest(name = "§3/§6: a signed token whose {0} closes with 1008 Invalid token")
    @MethodSource("hostileTokens")
    void refusedAtAuth(String what, String header, String payload) {
        TestServer server = servers.start();
        try (RecordingClient c = server.connect()) {
            c.auth(Tokens.handMade(header, payload, TestServer.SECRET));
            c.awaitClose(1008, "Invalid token");
        }
    }

    @ParameterizedTest(name = "§3/§7.4-§7.6: a signed token whose {0} gets 401 on every Bearer route")
    @MethodSource("hostileTokens")
    void refusedOnBearerRoutes(String what, String header, String payload) {
        TestServer server = servers.start();
        String token = Tokens.handMade(header, payload, TestServer.SECRET);
        for (String path : List.of("/auth/ticket", "/auth/refresh", "/auth/logout")) {
            HttpResponse<String> r = server.send(HttpRequest.newBuilder(server.httpUri(path))
                    .header("Authorization", "Bearer " + token)
                    .POST(HttpRequest.BodyPublishers.noBody()).build());
            assertEquals(401, r.statusCode(), path + ": " + r.body());
            assertEquals("Bearer", r.headers().firstValue("WWW-Authenticate").orElse(""), path);
        }
    }

    @Test
    @DisplayName("§3: the same hand-made token with a numeric exp and a string sub opens the gate, so the refusals are the types")
    void wellTypedHandMadeTokenPasses() {
        TestServer server = servers.start();
        String token = Tokens.handMade(HEADER, payload("\"exp\":" + later(), "\"sub\":\"alice\"", "\"iat\":"
                + server.clock().instant().getEpochSecond()), TestServer.SECRET);
        try (RecordingClient c = server.authenticatedWith(token)) {
            HttpResponse<String> r = server.send(HttpRequest.newBuilder(server.httpUri("/auth/ticket"))
                    .header("Authorization", "Bearer " + token)
                    .POST(HttpRequest.BodyPublishers.noBody()).build());
            assertEquals(200, r.statusCode(), r.body());
        }
    }
}
