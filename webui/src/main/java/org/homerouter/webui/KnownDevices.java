package org.homerouter.webui;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.server.Request;
import org.homerouter.webui.api.AdminAccount;

/**
 * The cookie by which the router knows a browser that logged in before, whatever its address: an
 * address is forgotten at a restart and changes with DHCP, so a LAN host failing passwords from
 * many addresses could otherwise keep the owner's browser behind the router-wide slowdown of
 * {@link LoginThrottle}. The cookie holds no user data: a random id, when it was issued, and an
 * HMAC-SHA256 of both.
 *
 * <p>The MAC's key is derived from the router's {@link AdminAccount#knownDeviceKey() key} and the
 * current admin password hash: a factory reset (new key, no hash) and any password change (a new
 * hash, from the System page or the command line) void every cookie issued before, so a copied
 * cookie stops helping once the owner changes the password.
 */
final class KnownDevices {
    static final String COOKIE = "hr_device";
    /** How long a browser stays known without logging in again. */
    static final Duration LIFETIME = Duration.ofDays(365);
    private static final Pattern VALUE = Pattern.compile("([0-9a-f]{32})\\.([0-9]{1,12})\\.([0-9a-f]{64})");
    private static final HexFormat HEX = HexFormat.of();

    private final AdminAccount admin;
    /** The time of day: issue times must survive a restart, which the elapsed-time clock does not. */
    private final LongSupplier wallMs;
    private final SecureRandom random = new SecureRandom();

    KnownDevices(AdminAccount admin, LongSupplier wallMs) {
        this.admin = admin;
        this.wallMs = wallMs;
    }

    /** A new cookie value for a browser that has just shown the password whose hash is {@code passwordHash}. */
    String issue(String passwordHash) {
        byte[] id = new byte[16];
        random.nextBytes(id);
        String body = HEX.formatHex(id) + "." + Math.max(0, wallMs.getAsLong() / 1000);
        return body + "." + HEX.formatHex(mac(passwordHash, body));
    }

    /**
     * The id of a cookie this router issued under the current admin password and not more than
     * {@link #LIFETIME} ago; null for anything else (absent, forged, altered, from before a
     * password change or a reset).
     */
    String check(String value) {
        var m = value == null ? null : VALUE.matcher(value);
        String hash = m != null && m.matches() ? admin.passwordHash().orElse(null) : null;
        if (hash == null) {
            return null;
        }
        String body = m.group(1) + "." + m.group(2);
        if (!MessageDigest.isEqual(mac(hash, body), HEX.parseHex(m.group(3)))) {
            return null;
        }
        // Only an old cookie is refused: one from the future is what a router whose clock booted
        // stale (no battery) sees until its time server answers.
        long ageSeconds = wallMs.getAsLong() / 1000 - Long.parseLong(m.group(2));
        return ageSeconds > LIFETIME.toSeconds() ? null : m.group(1);
    }

    private byte[] mac(String passwordHash, String body) {
        try {
            Mac hmac = Mac.getInstance("HmacSHA256");
            hmac.init(new SecretKeySpec(admin.knownDeviceKey(), "HmacSHA256"));
            byte[] key = hmac.doFinal(("homerouter known device\n" + passwordHash).getBytes(StandardCharsets.UTF_8));
            hmac.init(new SecretKeySpec(key, "HmacSHA256"));
            return hmac.doFinal(body.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** The cookie as the browser sent it, or null. */
    static String presented(Request request) {
        for (HttpCookie c : Request.getCookies(request)) {
            if (COOKIE.equals(c.getName())) {
                return c.getValue();
            }
        }
        return null;
    }

    /** The cookie to set: kept a year, out of scripts' reach, sent to this router's pages only. */
    static HttpCookie cookie(String value, boolean secure) {
        return HttpCookie.build(COOKIE, value).path("/").maxAge(LIFETIME.toSeconds()).httpOnly(true)
                .sameSite(HttpCookie.SameSite.STRICT).secure(secure).build();
    }
}
