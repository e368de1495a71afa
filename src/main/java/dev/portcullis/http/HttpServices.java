package dev.portcullis.http;

import dev.portcullis.audit.AuditLog;
import dev.portcullis.auth.LoginService;
import dev.portcullis.auth.TicketStore;
import dev.portcullis.auth.TokenIssuer;
import dev.portcullis.auth.TokenVerifier;
import dev.portcullis.auth.UserStore;
import dev.portcullis.cluster.SharedState;
import dev.portcullis.gate.AbuseGuard;
import dev.portcullis.gate.SessionLifecycle;
import dev.portcullis.health.Liveness;
import dev.portcullis.limit.AddressPrefix;
import dev.portcullis.limit.ForwardedFor;
import dev.portcullis.limit.LoginThrottle;
import dev.portcullis.metrics.Metrics;
import dev.portcullis.net.OriginPolicy;
import java.time.Clock;
import java.time.Duration;

/** What the HTTP API's handlers need from the rest of the server. */
public record HttpServices(LoginService logins, TokenVerifier verifier, AbuseGuard abuse, LoginThrottle throttle,
                           ForwardedFor forwardedFor, AddressPrefix addressPrefix, OriginPolicy origins,
                           AuditLog audit, Clock clock,
                           TicketStore tickets, SharedState shared, SessionLifecycle lifecycle,
                           UserStore users, TokenIssuer issuer, boolean cookieMode, Duration tokenTtl,
                           Metrics metrics, boolean ticketsEnabled, int wsPort, Liveness liveness) {
}
