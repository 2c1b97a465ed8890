"""Simulated customer routers: SSH servers and serial consoles speaking Cisco IOS and Huawei VRP."""
