package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.Setting;
import org.homerouter.appliance.store.VpnUser;
import org.homerouter.pptp.auth.NtPasswordHash;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backup taken while the configuration changes (the service writing beside `config export`,
 * another admin's tab saving) is the configuration before the change or after it, never half of
 * each: restored, a mix would be a configuration the router never had. The export holds no write
 * lock meanwhile: the changes go on while it reads.
 */
class ConfigExportSnapshotTest {
    @TempDir
    Path dir;

    @Test
    void anExportDuringChangesIsOneStateOfTheConfiguration() throws Exception {
        // Two stores on one file, as the service and a CLI command are: one's changes are not held
        // back by the other's object lock, only by the database's.
        try (ApplianceStore store = ApplianceStore.open(dir.resolve("appliance.db"));
             ApplianceStore service = ApplianceStore.open(dir.resolve("appliance.db"))) {
            AtomicBoolean stop = new AtomicBoolean();
            Thread changes = new Thread(() -> {
                try {
                    for (int i = 0; !stop.get(); i++) {
                        String which = i % 2 == 0 ? "alpha" : "beta";
                        service.replaceConfiguration(Map.of(Setting.PPTP_DNS_PRIMARY, i % 2 == 0 ? "192.0.2.1" : "192.0.2.2"),
                                List.of(new VpnUser(which, NtPasswordHash.of(which + " password"), Optional.empty(), true,
                                        Optional.empty())), "change " + i);
                    }
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            changes.start();
            try {
                int alpha = 0;
                int beta = 0;
                for (int i = 0; i < 300; i++) {
                    String json = ConfigDocument.export(store);
                    boolean a = json.contains("\"192.0.2.1\"") && json.contains("\"name\": \"alpha\"") && !json.contains("beta");
                    boolean b = json.contains("\"192.0.2.2\"") && json.contains("\"name\": \"beta\"") && !json.contains("alpha");
                    assertTrue(a || b || !json.contains("192.0.2."), "export " + i + " mixes two states: " + json);
                    alpha += a ? 1 : 0;
                    beta += b ? 1 : 0;
                }
                assertTrue(alpha > 0 && beta > 0, "the changes went on while exports read: " + alpha + " " + beta);
            } finally {
                stop.set(true);
                changes.join();
            }
            assertEquals(1, store.users().size());
        }
    }
}
