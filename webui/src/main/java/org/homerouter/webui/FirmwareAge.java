package org.homerouter.webui;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether the running firmware is old enough to say so. Nothing updates the router by itself (its
 * package timers are off, the root file system read-only): the fixes to Linux, Java and the rest
 * made since the firmware was built reach it only when the owner installs a newer one, and nothing
 * else would tell the owner that a router left alone for years is years behind.
 */
final class FirmwareAge {
    /** Past this, the pages say so. A year: Debian's point releases come every two to three months. */
    static final Duration OLD = Duration.ofDays(365);
    /** The image's version: {@code 0.1.0+202612071734.230804e0}, its build time in UTC after the {@code +}. */
    private static final Pattern BUILT = Pattern.compile("\\+(\\d{12})\\.");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmm");
    private static final DateTimeFormatter SPOKEN = DateTimeFormatter.ofPattern("d MMMM yyyy", Locale.ENGLISH);

    private FirmwareAge() {
    }

    /**
     * What to tell the owner about {@code version} at {@code wallMs}, if it was built more than {@link
     * #OLD} before. None for a version without a build time (a development build), or a clock before
     * the build time (not yet set: the router starts its clock at the firmware's date).
     */
    static Optional<String> warning(String version, long wallMs) {
        Matcher m = BUILT.matcher(version);
        if (!m.find()) {
            return Optional.empty();
        }
        LocalDateTime built;
        try {
            built = LocalDateTime.parse(m.group(1), STAMP);
        } catch (java.time.format.DateTimeParseException e) {
            return Optional.empty();
        }
        Instant at = built.toInstant(ZoneOffset.UTC);
        Duration age = Duration.between(at, Instant.ofEpochMilli(wallMs));
        if (age.compareTo(OLD) <= 0) {
            return Optional.empty();
        }
        long years = age.toDays() / 365;
        return Optional.of("This firmware was built on " + SPOKEN.format(built) + ", "
                + (years >= 2 ? "over " + years + " years" : "more than a year") + " ago: fixes made since to what it"
                + " runs on (Linux, Java, its other programs) are not in it, and nothing updates it by itself. Look"
                + " for a newer update file for this router and install it on the System page.");
    }
}
