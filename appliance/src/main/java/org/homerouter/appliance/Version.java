package org.homerouter.appliance;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * The firmware version: on the router image its release's (/etc/homerouter-release, VERSION=, as
 * homerouter-update and the download's name have it: "0.1.0+202612061015.17e9b6f"), else the jar's
 * manifest (or "dev" when run from classes). The jar's alone is the same for every build
 * ("0.1.0-SNAPSHOT"): an export's "firmware" then could not tell the owner which is newer.
 */
public final class Version implements CommandLine.IVersionProvider {
    /** The image's release file (image/stages/50-rootfs.sh writes it). */
    static final Path RELEASE = Path.of("/etc/homerouter-release");
    /** As homerouter-update takes them (image/overlay/usr/bin): "1.0~rc1+202612061015.abc" too. */
    static final String FORM = "[0-9][A-Za-z0-9.+~-]{0,63}";
    private static final Pattern VERSION = Pattern.compile(FORM);
    private static volatile String current;

    public static String current() {
        String v = current;
        if (v == null) {
            current = v = ofRelease(RELEASE).orElseGet(Version::ofJar);
        }
        return v;
    }

    static String ofJar() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }

    /** The VERSION= of a release file, when there is one that names it. */
    static Optional<String> ofRelease(Path release) {
        try {
            return KeyValueFile.read(release).map(r -> r.get("VERSION")).filter(v -> VERSION.matcher(v).matches());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The second line is read by the image build (image/stages/50-rootfs.sh): keep its form. */
    @Override
    public String[] getVersion() {
        return new String[] {"homerouter appliance " + current() + " (Java " + Runtime.version() + ")",
                "database schema " + org.homerouter.appliance.store.ApplianceStore.latestSchemaVersion()};
    }
}
