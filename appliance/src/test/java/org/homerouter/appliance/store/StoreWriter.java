package org.homerouter.appliance.store;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The victim of {@link StoreCrashTest}: a separate JVM that writes changes to the store as fast as
 * it can and prints a line for each one only after its commit returned, until it is killed.
 */
public final class StoreWriter {
    private StoreWriter() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int first = Integer.parseInt(args[1]);
        try (ApplianceStore store = ApplianceStore.open(file)) {
            for (int i = first; ; i++) {
                store.addUser(new VpnUser("user" + i, new byte[16], Optional.empty(), true, Optional.empty()));
                System.out.println("user " + i);
                // Two settings in one change: after a crash both or neither must be there.
                store.putSettings(Map.of(Setting.HOST_NAME, "host" + i, Setting.PPTP_DNS_PRIMARY, "10.0." + (i / 250 % 250) + "." + (i % 250)));
                System.out.println("settings " + i);
                System.out.flush();
            }
        }
    }
}
