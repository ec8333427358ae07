//! Native open-file dialogs (rfd) in the way GTK needs them: built on the main thread, where
//! Tauri runs GTK, parented to the app's window, and awaited from a plain thread.

use std::path::PathBuf;

use tauri::WebviewWindow;
use tokio::sync::oneshot;

use crate::commands::CommandError;

/// What to ask the agent for.
pub struct Ask {
    pub title: String,
    /// The filter's name and its extensions (no dots).
    pub filter: (String, Vec<String>),
    pub many: bool,
}

/// The files the agent chose; empty when they cancelled.
pub async fn pick(window: &WebviewWindow, ask: Ask) -> Result<Vec<PathBuf>, CommandError> {
    let (answer, answered) = oneshot::channel();
    let parent = window.clone();
    window
        .run_on_main_thread(move || {
            let extensions: Vec<&str> = ask.filter.1.iter().map(String::as_str).collect();
            let dialog = rfd::AsyncFileDialog::new()
                .set_parent(&parent)
                .set_title(&ask.title)
                .add_filter(&ask.filter.0, &extensions);
            let chosen: std::pin::Pin<Box<dyn std::future::Future<Output = Vec<PathBuf>> + Send>> =
                if ask.many {
                    let future = dialog.pick_files();
                    Box::pin(async move {
                        future
                            .await
                            .unwrap_or_default()
                            .iter()
                            .map(|f| f.path().to_path_buf())
                            .collect()
                    })
                } else {
                    let future = dialog.pick_file();
                    Box::pin(async move {
                        future
                            .await
                            .map(|f| vec![f.path().to_path_buf()])
                            .unwrap_or_default()
                    })
                };
            std::thread::spawn(move || {
                let _ = answer.send(tauri::async_runtime::block_on(chosen));
            });
        })
        .map_err(|e| CommandError {
            code: switchboard_protocol::ErrorCode::DialogUnavailable,
            message: format!("The file dialog could not open: {e}"),
        })?;
    answered.await.map_err(|_| CommandError {
        code: switchboard_protocol::ErrorCode::DialogUnavailable,
        message: "The file dialog closed without an answer; try again.".into(),
    })
}
