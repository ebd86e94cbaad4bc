package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On the image the firmware's version is its release's, which differs from build to build (the
 * jar's "0.1.0-SNAPSHOT" does not): what the System page, an export's "firmware" and the refusal of
 * a newer router's export name.
 */
class VersionTest {
    @TempDir
    Path dir;

    @Test
    void theImagesReleaseNamesTheVersion() throws Exception {
        Path release = dir.resolve("homerouter-release");
        Files.writeString(release, "NAME=HomeRouter\nVERSION=0.1.0+202612061015.17e9b6f\nARCH=arm64\nSCHEMA=9\n");
        assertEquals(Optional.of("0.1.0+202612061015.17e9b6f"), Version.ofRelease(release));
        // A maker's release candidate, as homerouter-update takes it: not the jar's version instead.
        Files.writeString(release, "VERSION=1.0~rc1+202612061015.abc\n");
        assertEquals(Optional.of("1.0~rc1+202612061015.abc"), Version.ofRelease(release));
    }

    @Test
    void noReleaseOrAnUnreadableOneLeavesTheJarsVersion() throws Exception {
        assertEquals(Optional.empty(), Version.ofRelease(dir.resolve("none")));
        Path odd = dir.resolve("odd");
        Files.writeString(odd, "VERSION=<script>\n");
        assertEquals(Optional.empty(), Version.ofRelease(odd), "only what a version may hold is shown");
        Files.write(odd, new byte[10_000]);
        assertEquals(Optional.empty(), Version.ofRelease(odd));
    }
}
