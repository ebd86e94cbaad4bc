package org.homerouter.pptp.ppp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Walks every cell of RFC 1661 §4.1: a fresh automaton is driven into the state through its public
 * events, the event is applied, and the resulting state and the actions taken, in order, are
 * compared with the RFC.
 *
 * <p>The expected table below is the RFC's text as printed (both halves), parsed here; it is not
 * derived from the implementation's table. Footnotes: with neither the passive nor the restart
 * option set, "p" and "r" cells behave as written without the letter; "x" is informational. A dash
 * (illegal transition) must leave the state unchanged and take no action.
 */
class TransitionTableWalkTest {

    private static final String RFC_1661_STATES_0_TO_5 = """
                  | State
                  |    0         1         2         3         4         5
            Events| Initial   Starting  Closed    Stopped   Closing   Stopping
            ------+-----------------------------------------------------------
             Up   |    2     irc,scr/6     -         -         -         -
             Down |    -         -         0       tls/1       0         1
             Open |  tls/1       1     irc,scr/6     3r        5r        5r
             Close|    0       tlf/0       2         2         4         4
                  |
              TO+ |    -         -         -         -       str/4     str/5
              TO- |    -         -         -         -       tlf/2     tlf/3
                  |
             RCR+ |    -         -       sta/2 irc,scr,sca/8   4         5
             RCR- |    -         -       sta/2 irc,scr,scn/6   4         5
             RCA  |    -         -       sta/2     sta/3       4         5
             RCN  |    -         -       sta/2     sta/3       4         5
                  |
             RTR  |    -         -       sta/2     sta/3     sta/4     sta/5
             RTA  |    -         -         2         3       tlf/2     tlf/3
                  |
             RUC  |    -         -       scj/2     scj/3     scj/4     scj/5
             RXJ+ |    -         -         2         3         4         5
             RXJ- |    -         -       tlf/2     tlf/3     tlf/2     tlf/3
                  |
             RXR  |    -         -         2         3         4         5
            """;

    private static final String RFC_1661_STATES_6_TO_9 = """
                  | State
                  |    6         7         8           9
            Events| Req-Sent  Ack-Rcvd  Ack-Sent    Opened
            ------+-----------------------------------------
             Up   |    -         -         -           -
             Down |    1         1         1         tld/1
             Open |    6         7         8           9r
             Close|irc,str/4 irc,str/4 irc,str/4 tld,irc,str/4
                  |
              TO+ |  scr/6     scr/6     scr/8         -
              TO- |  tlf/3p    tlf/3p    tlf/3p        -
                  |
             RCR+ |  sca/8   sca,tlu/9   sca/8   tld,scr,sca/8
             RCR- |  scn/6     scn/7     scn/6   tld,scr,scn/6
             RCA  |  irc/7     scr/6x  irc,tlu/9   tld,scr/6x
             RCN  |irc,scr/6   scr/6x  irc,scr/8   tld,scr/6x
                  |
             RTR  |  sta/6     sta/6     sta/6   tld,zrc,sta/5
             RTA  |    6         6         8       tld,scr/6
                  |
             RUC  |  scj/6     scj/7     scj/8       scj/9
             RXJ+ |    6         6         8           9
             RXJ- |  tlf/3     tlf/3     tlf/3   tld,irc,str/5
                  |
             RXR  |    6         7         8         ser/9
            """;

    /** Event name -> cells for states 0..9 as printed ("-" for illegal). */
    private static Map<String, String[]> expectedTable() {
        Map<String, String[]> table = new LinkedHashMap<>();
        readHalf(RFC_1661_STATES_0_TO_5, 0, table);
        readHalf(RFC_1661_STATES_6_TO_9, 6, table);
        return table;
    }

    private static void readHalf(String text, int firstState, Map<String, String[]> table) {
        for (String line : text.lines().toList()) {
            int bar = line.indexOf('|');
            if (bar < 0) {
                continue;
            }
            String event = line.substring(0, bar).strip();
            String cells = line.substring(bar + 1).strip();
            if (event.isEmpty() || event.equals("Events") || cells.isEmpty()) {
                continue;
            }
            String[] parsed = cells.split("\\s+");
            String[] row = table.computeIfAbsent(event, e -> new String[10]);
            System.arraycopy(parsed, 0, row, firstState, parsed.length);
        }
    }

    @TestFactory
    Stream<DynamicTest> everyCellOfTheRfcTable() {
        Map<String, String[]> table = expectedTable();
        assertEquals(16, table.size(), "16 events");
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, String[]> row : table.entrySet()) {
            AutomatonEvent event = Arrays.stream(AutomatonEvent.values())
                    .filter(e -> e.rfcName().equals(row.getKey())).findFirst().orElseThrow();
            for (int s = 0; s < 10; s++) {
                AutomatonState state = AutomatonState.ofNumber(s);
                String cell = row.getValue()[s];
                tests.add(DynamicTest.dynamicTest(event.rfcName() + " in " + state.rfcName() + ": " + cell,
                        () -> walk(event, state, cell)));
            }
        }
        assertEquals(160, tests.size());
        return tests.stream();
    }

    private static void walk(AutomatonEvent event, AutomatonState state, String cell) {
        // TO- needs an exhausted counter: with one Configure-Request and one Terminate-Request
        // allowed, the counter is already zero in every state that can time out.
        AutomatonSettings settings = event == AutomatonEvent.TO_MINUS
                ? AutomatonSettings.DEFAULTS.withMaxConfigure(1).withMaxTerminate(1)
                : AutomatonSettings.DEFAULTS;
        AutomatonHarness h = new AutomatonHarness(settings);
        driveTo(h, state);
        assertEquals(state, h.automaton.state(), "setup reaches " + state.rfcName());
        if (event == AutomatonEvent.TO_MINUS && state == AutomatonState.ACK_RCVD) {
            // Entering Ack-Rcvd always initialises the counter (irc/7), so only this way is there.
            h.automaton.overrideRestartCounter(0);
        }
        if (state.restartTimerRuns() && event == AutomatonEvent.TO_PLUS) {
            assertTrue(h.automaton.restartCounter() > 0, "TO+ needs a counter above zero");
        }
        if (state.restartTimerRuns() && event == AutomatonEvent.TO_MINUS) {
            assertEquals(0, h.automaton.restartCounter(), "TO- needs an exhausted counter");
        }
        h.log.clear();

        apply(h, event);

        if ((event == AutomatonEvent.RCA || event == AutomatonEvent.RCN)
                && (state == AutomatonState.ACK_RCVD || state == AutomatonState.OPENED)) {
            // Our last Configure-Request has had its answer in these states: only a second answer
            // to it (the peer answering both copies of a resend, §5.1) can match it, and that is
            // discarded as pppd's fsm.c discards it (seen_ack), rather than taken for a crossed
            // connection ("x"). The table keeps the RFC's cell.
            assertEquals(List.of(), h.log, "a second answer to one request takes no action");
            assertEquals(state, h.automaton.state(), "a second answer to one request leaves the state");
            Transition t = TransitionTable.lookup(state, event);
            String inTable = t.actions().stream().map(AutomatonAction::rfcName)
                    .collect(java.util.stream.Collectors.joining(",")) + "/" + t.next().number();
            assertEquals(cell.replaceAll("[a-z]+$", ""), inTable.startsWith("/") ? inTable.substring(1) : inTable);
            return;
        }
        if (cell.equals("-")) {
            assertEquals(List.of(), h.log, "an illegal event takes no action");
            assertEquals(state, h.automaton.state(), "an illegal event leaves the state");
            return;
        }
        int slash = cell.indexOf('/');
        List<String> actions = slash < 0 ? List.of() : List.of(cell.substring(0, slash).split(","));
        String target = cell.substring(slash + 1).replaceAll("[a-z]", "");
        AutomatonState next = AutomatonState.ofNumber(Integer.parseInt(target));
        assertEquals(actions, h.log, "actions");
        assertEquals(next, h.automaton.state(), "new state");
        // RFC 1661 §4.2: the Restart timer runs exactly in Closing, Stopping, Req-Sent, Ack-Rcvd, Ack-Sent.
        assertEquals(next.number() >= 4 && next.number() <= 8, h.automaton.deadline().isPresent(), "restart timer");
        int irc = actions.indexOf("irc");
        if (actions.contains("zrc")) {
            assertEquals(0, h.automaton.restartCounter(), "zrc zeroes the counter");
        } else if (irc >= 0) {
            boolean terminate = actions.contains("str");
            int max = terminate ? settings.maxTerminate() : settings.maxConfigure();
            boolean sentAfter = actions.subList(irc, actions.size()).contains(terminate ? "str" : "scr");
            assertEquals(sentAfter ? max - 1 : max, h.automaton.restartCounter(), "irc initialises the counter");
        }
    }

    /** Reaches each state through the automaton's public events only, starting from Initial. */
    private static void driveTo(AutomatonHarness h, AutomatonState state) {
        NegotiationAutomaton a = h.automaton;
        switch (state) {
            case INITIAL -> {
            }
            case STARTING -> a.open();
            case CLOSED -> {
                // Via a negotiation, so that a Configure-Request exists for RCA/RCN to answer.
                a.open();
                a.up();
                a.close();
                a.receive(new ControlPacket(ControlPacket.TERMINATE_ACK, 1));
            }
            case STOPPED -> {
                a.open();
                a.up();
                h.peerCodeRejects(ControlPacket.CONFIGURE_REQUEST);
            }
            case CLOSING -> {
                a.open();
                a.up();
                a.close();
            }
            case STOPPING -> {
                driveTo(h, AutomatonState.OPENED);
                h.peerCodeRejects(ControlPacket.CONFIGURE_REQUEST);
            }
            case REQ_SENT -> {
                a.open();
                a.up();
            }
            case ACK_RCVD -> {
                driveTo(h, AutomatonState.REQ_SENT);
                h.peerAcks();
            }
            case ACK_SENT -> {
                driveTo(h, AutomatonState.REQ_SENT);
                h.peerRequests(0x20, AutomatonHarness.GOOD);
            }
            case OPENED -> {
                driveTo(h, AutomatonState.ACK_SENT);
                h.peerAcks();
            }
        }
    }

    private static void apply(AutomatonHarness h, AutomatonEvent event) {
        NegotiationAutomaton a = h.automaton;
        ControlPacket request = h.lastRequest();
        int requestId = request == null ? 0x10 : request.identifier();
        byte[] requestData = request == null ? ConfigOptionCodec.encode(List.of(AutomatonHarness.GOOD)) : request.data();
        switch (event) {
            case UP -> a.up();
            case DOWN -> a.down();
            case OPEN -> a.open();
            case CLOSE -> a.close();
            case TO_PLUS, TO_MINUS -> h.timeout();
            case RCR_PLUS -> h.peerRequests(0x42, AutomatonHarness.GOOD);
            case RCR_MINUS -> h.peerRequests(0x43, AutomatonHarness.BAD);
            case RCA -> a.receive(new ControlPacket(ControlPacket.CONFIGURE_ACK, requestId, requestData));
            case RCN -> a.receive(new ControlPacket(ControlPacket.CONFIGURE_NAK, requestId,
                    ConfigOptionCodec.encode(List.of(new ConfigOption(1, new byte[] {3})))));
            case RTR -> a.receive(new ControlPacket(ControlPacket.TERMINATE_REQUEST, 0x50));
            case RTA -> a.receive(new ControlPacket(ControlPacket.TERMINATE_ACK, 0x51));
            case RUC -> a.receive(new ControlPacket(99, 0x52, new byte[] {1, 2, 3}));
            // Code 12 is not one of the codes every implementation must know: survivable.
            case RXJ_PLUS -> h.peerCodeRejects(12);
            // Configure-Request rejected: the protocol cannot work.
            case RXJ_MINUS -> h.peerCodeRejects(ControlPacket.CONFIGURE_REQUEST);
            case RXR -> a.receive(new ControlPacket(AutomatonHarness.ECHO_REQUEST, 0x55, new byte[] {0, 0, 0, 0}));
        }
    }
}
