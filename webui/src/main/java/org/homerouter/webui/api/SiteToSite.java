package org.homerouter.webui.api;

/**
 * The site-to-site dial-out (LAN to LAN): this router dials a remote PPTP server and routes the
 * remote site's networks through the tunnel. The Site-to-site page edits it; the dashboard shows
 * what it is doing.
 */
public interface SiteToSite {
    /**
     * The name this router logs in with at the remote server: whatever that server's administrator
     * chose ("CORP\\branch", "Branch Office", non-ASCII), so not this router's own rule for its
     * accounts; only no control characters (they would reach logs and pages: C0 and C1, line
     * separators, and the invisible formatting ones, such as bidi overrides, that make a log line
     * read otherwise) and at most 255 characters (MS-CHAPv2's Name field, RFC 2759 §4, fills the
     * rest of a one-octet-length packet).
     */
    java.util.regex.Pattern REMOTE_USER = java.util.regex.Pattern.compile("[^\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}]{1,255}");
    String REMOTE_USER_RULE = "a user name is 1 to 255 characters, without control characters";
    /**
     * Said when the dial-out's password goes beyond ASCII, from the page and the command line: the
     * other way round from a VPN user's, Windows RRAS hashes it as this router does (UTF-16LE),
     * pppd-based servers (pptpd, accel-ppp, most routers) widen each UTF-8 octet (chap_ms.c).
     */
    String BEYOND_ASCII_NOTE = "The password's characters beyond plain ASCII (such as ü, é, ж) work against a Windows"
            + " server only: a Linux (pptpd, accel-ppp) or router's server takes them differently and refuses the"
            + " login. If it does, set a plain ASCII password for this account at the office and here.";

    /** One label of a host name (RFC 1123 §2.1): letters, digits and inner hyphens, at most 63. */
    java.util.regex.Pattern HOST_LABEL = java.util.regex.Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    String SERVER_RULE = "enter the remote server's IPv4 address or DNS name, such as 203.0.113.7 or office.example.com";

    /**
     * The remote server: an IPv4 address, or a DNS name, resolved at each dial, for an office on a
     * dynamic address that a DDNS name follows. Only the form is checked: a page must never wait on
     * DNS. A name whose last label is all digits is refused (RFC 3696 §2), so that a mistyped
     * address ("203.0.113.700") is not taken for a name.
     */
    static boolean validServer(String server) {
        if (Ipv4.valid(server)) {
            return true;
        }
        if (server.isEmpty() || server.length() > 253 || server.endsWith(".")) {
            return false;
        }
        String[] labels = server.split("\\.", -1);
        for (String label : labels) {
            if (!HOST_LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return !labels[labels.length - 1].matches("[0-9]+");
    }

    /**
     * @param subnets      comma-separated CIDR networks behind the remote server
     * @param defaultRoute everything else goes through the tunnel too
     * @param passwordSet  whether a password (only its NT hash) is stored
     */
    record Settings(boolean enabled, String server, String user, String mppe, String subnets, boolean defaultRoute,
                    boolean passwordSet) {
    }

    /**
     * @param phase       off, connecting, up, waiting or stopped (a refused login: until the page is saved)
     * @param summary     one sentence: what it is doing now
     * @param lastFailure why the last attempt failed or the tunnel dropped, in plain words; "" if none
     */
    record Status(String phase, String summary, String lastFailure) {
    }

    Settings settings();

    Status status();

    /**
     * The networks in canonical form, checked against the router's own networks, the other routed
     * networks and the server address (a server inside them would loop).
     *
     * @throws IllegalArgumentException with the sentence to show next to the field
     */
    String checkSubnets(String server, String subnets);

    /**
     * Stores the settings (one transaction, logged) and redials at once.
     *
     * @param password the new password, or null to keep the stored one
     */
    void apply(Settings settings, String password, String event);

    /** No dial-out in this build. */
    SiteToSite NONE = new SiteToSite() {
        @Override
        public Settings settings() {
            return new Settings(false, "", "", "require-128", "", false, false);
        }

        @Override
        public Status status() {
            return new Status("off", "off", "");
        }

        @Override
        public String checkSubnets(String server, String subnets) {
            return RoutedSubnets.format(RoutedSubnets.parse(subnets, "the remote site"));
        }

        @Override
        public void apply(Settings settings, String password, String event) {
            throw new UnsupportedOperationException("no site-to-site dial-out in this build");
        }
    };
}
