/** Options of the `service` generator, as given on the command line. */
export interface ServiceGeneratorSchema {
  name: string;
  /** Parent folder of the app; `apps` by default. */
  directory?: string;
  http?: boolean;
  /** Default HTTP_PORT (with `http`). */
  port?: number;
  /** HEALTH_PORT of the Docker image. */
  healthPort?: number;
  /** Extra tags, comma-separated. */
  tags?: string;
  description?: string;
}
