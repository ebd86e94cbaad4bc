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
     * accounts; only no control characters (they would reach logs and pages) and at most 255
     * characters (MS-CHAPv2's Name field, RFC 2759 §4, fills the rest of a one-octet-length packet).
     */
    java.util.regex.Pattern REMOTE_USER = java.util.regex.Pattern.compile("[^\\p{Cntrl}]{1,255}");
    String REMOTE_USER_RULE = "a user name is 1 to 255 characters, without control characters";

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
