package dev.portcullis.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;

/** What a {@link PortcullisClient.Builder} fixed; immutable. */
record Settings(URI wsUri, HttpClient http, Credentials credentials, Clock clock, Backoff backoff,
                RandomGenerator random, ClientListener listener, Duration timeout) {

    /** Where tokens come from. Both methods fail with a {@link PortcullisException} (wrapped by the future). */
    interface Credentials {
        /** A new token: a login with the password, or the application's supplier. */
        CompletableFuture<String> fresh();

        /**
         * A token to replace {@code current} before it expires: {@code POST /auth/refresh}, else a new one.
         * Fails with a {@link LoginFailedException} of status 503 when the refresh should be tried again later.
         */
        CompletableFuture<String> refresh(String current);
    }
}
