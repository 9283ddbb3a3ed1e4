"""The outbound-communications gate and marketing campaigns (PECR regs 21-22, Art. 21(3))."""
