//! Export files in an S3-compatible bucket through `object_store`: `s3://bucket/prefix`,
//! with the endpoint, region and credentials from the usual `AWS_*` variables. Finished
//! files go up in 16 MiB parts (a multipart upload, so a file of any size streams from
//! disk with bounded memory), and downloads are presigned GET URLs that name the file.

use std::io;
use std::path::Path;
use std::time::Duration;

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::signer::{SignedUrlOptions, Signer};
use object_store::{ObjectStoreExt, PutPayload, WriteMultipart};
use tokio::io::AsyncReadExt;

use super::LocalBlobs;

/// S3 allows 10,000 parts; 16 MiB parts reach 160 GB, far past any export.
const PART_BYTES: usize = 16 * 1024 * 1024;
/// Parts in flight at once: bounds the memory an upload holds to a few parts.
const PARTS_IN_FLIGHT: usize = 2;

pub struct S3Blobs {
    store: AmazonS3,
    prefix: String,
    /// Local folder where files are written before they are uploaded.
    pub(super) spool: LocalBlobs,
}

fn to_io(e: object_store::Error) -> io::Error {
    match e {
        object_store::Error::NotFound { .. } => io::Error::new(io::ErrorKind::NotFound, e),
        other => io::Error::other(other),
    }
}

impl S3Blobs {
    /// `url` is `s3://bucket` or `s3://bucket/prefix`; `spool` is a local folder.
    pub fn open(url: &str, spool: &Path) -> io::Result<Self> {
        let rest = url.strip_prefix("s3://").ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{url:?} is not an s3:// URL"),
            )
        })?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{url:?} names no bucket"),
            ));
        }
        crate::tls::install_provider();
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        // A loopback test server (moto) speaks plain HTTP; allow it when that is what the
        // endpoint says, rather than asking for a second setting.
        let endpoint = std::env::var("AWS_ENDPOINT_URL_S3")
            .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
            .or_else(|_| std::env::var("AWS_ENDPOINT"))
            .ok();
        if let Some(endpoint) = &endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        let store = builder.build().map_err(to_io)?;
        Ok(S3Blobs {
            store,
            prefix: prefix.trim_matches('/').to_owned(),
            spool: LocalBlobs::open(spool)?,
        })
    }

    fn object_path(&self, key: &str) -> io::Result<ObjectPath> {
        let key = LocalBlobs::checked(key)?;
        Ok(if self.prefix.is_empty() {
            ObjectPath::from(key)
        } else {
            ObjectPath::from(format!("{}/{key}", self.prefix))
        })
    }

    /// Uploads `temp` as `key` and removes `temp`; returns the size.
    pub async fn upload(&self, temp: &Path, key: &str) -> io::Result<u64> {
        let path = self.object_path(key)?;
        let mut file = tokio::fs::File::open(temp).await?;
        let size = file.metadata().await?.len();
        if size <= PART_BYTES as u64 {
            let mut bytes = Vec::with_capacity(size as usize);
            file.read_to_end(&mut bytes).await?;
            self.store
                .put(&path, PutPayload::from(bytes))
                .await
                .map_err(to_io)?;
        } else {
            let upload = self.store.put_multipart(&path).await.map_err(to_io)?;
            let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
            let mut buffer = vec![0u8; 1024 * 1024];
            loop {
                let n = file.read(&mut buffer).await?;
                if n == 0 {
                    break;
                }
                writer
                    .wait_for_capacity(PARTS_IN_FLIGHT)
                    .await
                    .map_err(to_io)?;
                writer.write(&buffer[..n]);
            }
            writer.finish().await.map_err(to_io)?;
        }
        drop(file);
        tokio::fs::remove_file(temp).await?;
        Ok(size)
    }

    pub async fn delete(&self, key: &str) -> io::Result<()> {
        match self.store.delete(&self.object_path(key)?).await {
            Err(object_store::Error::NotFound { .. }) | Ok(()) => Ok(()),
            Err(e) => Err(to_io(e)),
        }
    }

    /// A GET URL valid for `ttl` that downloads the file under `file_name`.
    pub async fn presigned_get(
        &self,
        key: &str,
        ttl: Duration,
        file_name: &str,
        content_type: &str,
    ) -> io::Result<String> {
        let options = SignedUrlOptions::new().with_query([
            (
                "response-content-disposition",
                format!("attachment; filename=\"{file_name}\""),
            ),
            ("response-content-type", content_type.to_owned()),
        ]);
        let url = self
            .store
            .signed_url_opts(reqwest::Method::GET, &self.object_path(key)?, ttl, &options)
            .await
            .map_err(to_io)?;
        Ok(url.to_string())
    }
}
