package org.homerouter.bridge.firewall;

import java.io.IOException;
import org.homerouter.bridge.admin.AdminCommands;

/**
 * The router image's base firewall (/etc/nftables.conf) leaves some chains and sets to the
 * service to fill; a development machine, or a host with a firewall of its own, has none of them.
 */
final class BaseChains {
    private BaseChains() {
    }

    /** Whether every one of {@code chains} ("inet homerouter wan_pptp") exists. */
    static boolean present(AdminCommands commands, String... chains) {
        try {
            for (String chain : chains) {
                // One list per run: nft 1.0 fails a batch of two.
                commands.run("list chain " + chain + "\n", "nft", "-f", "-");
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
