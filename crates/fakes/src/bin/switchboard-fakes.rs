//! Runs the fake Graph API and the fake Twilio on loopback until Ctrl-C, for the demo and for
//! poking at by hand. Prints one line per fake with the `api_base` to configure:
//!
//! ```text
//! graph http://127.0.0.1:41234/v23.0
//! twilio http://127.0.0.1:41235
//! ```

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use switchboard_fakes::{FakeGraph, FakeTwilio, GraphOptions, TwilioOptions};

const USAGE: &str = "usage: switchboard-fakes [--graph-port PORT] [--twilio-port PORT]

Starts a fake Graph API (WhatsApp Cloud API + Messenger) and a fake Twilio on 127.0.0.1
and prints their base URLs. Port 0 (the default) picks a free port.

Credentials the fakes accept (use them in the server's channel config):
  WhatsApp access_token     fake-whatsapp-access-token
  Messenger page token      fake-page-access-token (page_id 1717527131834678)
  Meta app_secret           fake-app-secret
  Twilio account_sid        ACf00dfeedf00dfeedf00dfeedf00dfeed
  Twilio auth_token         0123456789abcdef0123456789abcdef";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let (graph_port, twilio_port) = match parse_ports(args.into_iter()) {
        Ok(ports) => ports,
        Err(message) => {
            eprintln!("{message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let graph = match FakeGraph::start_on(
        SocketAddr::from((Ipv4Addr::LOCALHOST, graph_port)),
        GraphOptions::default(),
    )
    .await
    {
        Ok(graph) => graph,
        Err(error) => {
            eprintln!("switchboard-fakes: fake Graph API: {error}");
            return ExitCode::FAILURE;
        }
    };
    let twilio = match FakeTwilio::start_on(
        SocketAddr::from((Ipv4Addr::LOCALHOST, twilio_port)),
        TwilioOptions::default(),
    )
    .await
    {
        Ok(twilio) => twilio,
        Err(error) => {
            eprintln!("switchboard-fakes: fake Twilio: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("graph {}", graph.base_url());
    println!("twilio {}", twilio.base_url());
    if let Err(error) = tokio::signal::ctrl_c().await {
        eprintln!("switchboard-fakes: cannot wait for Ctrl-C: {error}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn parse_ports(mut args: impl Iterator<Item = String>) -> Result<(u16, u16), String> {
    let (mut graph, mut twilio) = (0, 0);
    while let Some(arg) = args.next() {
        let slot = match arg.as_str() {
            "--graph-port" => &mut graph,
            "--twilio-port" => &mut twilio,
            other => return Err(format!("unknown argument {other:?}")),
        };
        let value = args
            .next()
            .ok_or_else(|| format!("{arg} needs a port number"))?;
        *slot = value
            .parse()
            .map_err(|_| format!("{arg}: {value:?} is not a port number"))?;
    }
    Ok((graph, twilio))
}
