package org.homerouter.appliance;

import picocli.CommandLine;

/** The firmware version, from the jar's manifest (or "dev" when run from classes). */
public final class Version implements CommandLine.IVersionProvider {
    public static String current() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }

    /** The second line is read by the image build (image/stages/50-rootfs.sh): keep its form. */
    @Override
    public String[] getVersion() {
        return new String[] {"homerouter appliance " + current() + " (Java " + Runtime.version() + ")",
                "database schema " + org.homerouter.appliance.store.ApplianceStore.latestSchemaVersion()};
    }
}
