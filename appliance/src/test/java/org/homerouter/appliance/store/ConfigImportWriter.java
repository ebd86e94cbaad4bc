package org.homerouter.appliance.store;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A child process for {@link ApplianceStoreTest}: imports configurations forever, the n-th with n
 * users and pptp.max_sessions = n, until it is killed.
 */
public final class ConfigImportWriter {
    private ConfigImportWriter() {
    }

    public static void main(String[] args) throws Exception {
        try (ApplianceStore store = ApplianceStore.open(Path.of(args[0]))) {
            List<VpnUser> users = new ArrayList<>();
            for (int n = 1; ; n++) {
                users.add(new VpnUser("user" + n, new byte[16], Optional.empty(), true, Optional.empty()));
                store.replaceConfiguration(Map.of(Setting.PPTP_MAX_SESSIONS, String.valueOf(n)), users, "import " + n);
            }
        }
    }
}
