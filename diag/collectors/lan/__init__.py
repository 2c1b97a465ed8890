"""LAN capture collector (`diag lan-capture`): the customer's LAN sniffed with scapy where the
engineer's laptop plugs in, or a pcap read, counted into one LanCaptureObservation (case 4.2,
R-LED-5).  scapy is imported only when a capture runs."""
