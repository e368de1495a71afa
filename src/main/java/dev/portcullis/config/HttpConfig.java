package dev.portcullis.config;

import static dev.portcullis.config.Checks.requirePositive;

import java.time.Duration;

/**
 * What the HTTP API gives one request and one client: how long a request may take to arrive, how many
 * are read or handled at once, and how many of those one client address may hold.
 *
 * @param requestTimeout     time from a request's first byte until its headers and body have arrived
 * @param threads            handler threads: the requests being read or handled at once
 * @param maxRequestsPerIp   requests of one client address past their headers and not yet handled; 0 is off
 */
public record HttpConfig(Duration requestTimeout, int threads, int maxRequestsPerIp) {

    public HttpConfig {
        requirePositive("http-request-timeout", requestTimeout);
        if (threads < 1) {
            throw new IllegalArgumentException("--http-threads must be at least 1");
        }
        if (maxRequestsPerIp < 0) {
            throw new IllegalArgumentException("--http-max-requests-per-ip must be at least 1, or off");
        }
    }
}
