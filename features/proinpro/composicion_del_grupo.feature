# language: es
@proinpro
Característica: PROINPRO — composición del grupo
  Un grupo de familias PROSPERA puede vincularse a PROINPRO si tiene al menos 5 integrantes,
  más de la mitad beneficiarios de PROSPERA, todos mayores de edad y con potencial emprendedor
  medio o más. Cada regla cambia una sola cosa de un grupo que sí es elegible.

  Antecedentes:
    Dado un grupo en el municipio "Chilapa de Álvarez" de Guerrero
    Y la localidad es rural
    Y la fecha es 2017-03-01
    Y el grupo tiene 5 integrantes
    Y todos los integrantes tienen 30 años
    Y todos los integrantes son beneficiarios de PROSPERA
    Y todos los integrantes tienen potencial emprendedor alto

  Regla: El grupo tiene al menos 5 integrantes (min_size)

    Esquema del escenario: En 2017, un grupo PROSPERA de <n> integrantes resulta «<resultado>»
      Dado el grupo tiene <n> integrantes
      Cuando se evalúa la elegibilidad para PROINPRO
      Entonces el resultado es "<resultado>"
      Y el criterio "min_size" da "<criterio>"

      Ejemplos:
        | n  | resultado   | criterio  |
        | 3  | no elegible | no cumple |
        | 4  | no elegible | no cumple |
        | 5  | elegible    | cumple    |
        | 6  | elegible    | cumple    |
        | 12 | elegible    | cumple    |

    Escenario: La explicación de un grupo de 4 cita el análisis institucional
      Dado el grupo tiene 4 integrantes
      Cuando se evalúa la elegibilidad para PROINPRO
      Entonces el único criterio que no se cumple es "min_size"
      Y el criterio "min_size" cita "groups had to be made up of at least five members"

    Escenario: A un grupo de 4 se le dice que le falta una integrante, y cómo debe ser
      Dado el grupo tiene 4 integrantes
      Cuando se evalúa la elegibilidad para PROINPRO
      Entonces lo que haría falta incluye "Agregar 1 integrante que cumpla: ser beneficiaria de PROSPERA"
      Y los cambios están en manos del grupo

  Regla: Más de la mitad de los integrantes son beneficiarios de PROSPERA, 50% + 1 (prospera_majority)

    Esquema del escenario: Un grupo de <n> con <k> integrantes PROSPERA resulta «<resultado>»
      Dado el grupo tiene <n> integrantes
      Y <k> de los integrantes son beneficiarios de PROSPERA
      Cuando se evalúa la elegibilidad para PROINPRO
      Entonces el resultado es "<resultado>"
      Y el criterio "prospera_majority" da "<criterio>"

      Ejemplos:
        | n | k | resultado   | criterio  |
        | 5 | 2 | no elegible | no cumple |
        | 5 | 3 | elegible    | cumple    |
        | 6 | 3 | no elegible | no cumple |
        | 6 | 4 | elegible    | cumple    |
        | 5 | 0 | no elegible | no cumple |

    Escenario: «50% + 1» se explica como mayoría estricta
      Dado el grupo tiene 6 integrantes
      Y 3 de los integrantes son beneficiarios de PROSPERA
      Cuando se evalúa la elegibilidad para PROINPRO
      Entonces el criterio "prospera_majority" no se cumple
      Y la explicación cita "with 50% + 1 of PROSPERA beneficiaries"
      Y la explicación muestra el supuesto "mayoría estricta"

    Escenario: Si no se sabe quién es PROSPERA en un grupo dividido, no se puede determinar
      Dado no se conoce la condición PROSPERA del integrante 1
      Y el integrante 2 no es beneficiario de PROSPERA
      Y el integrante 3 no es beneficiario de PROSPERA
      Cuando se evalúa la elegibilidad para PROINPRO
      Entonces no se puede determinar si el grupo es elegible
      Y la explicación dice que falta "members[1].prospera"

  Regla: Todos los integrantes tienen 18 años o más (adults)

    Esquema del escenario: Un grupo donde un integrante tiene <edad> años resulta «<resultado>»
      Dado el integrante 5 tiene <edad> años
      Cuando se evalúa la elegibilidad para PROINPRO
      Entonces el resultado es "<resultado>"
      Y el criterio "adults" da "<criterio>"

      Ejemplos:
        | edad | resultado   | criterio  |
        | 16   | no elegible | no cumple |
        | 17   | no elegible | no cumple |
        | 18   | elegible    | cumple    |
        | 19   | elegible    | cumple    |
        | 70   | elegible    | cumple    |

    Escenario: La explicación señala al integrante menor de edad
      Dado el integrante 2 tiene 17 años
      Cuando se evalúa la elegibilidad para PROINPRO
      Entonces el integrante 2 no cumple el criterio "adults"

    Escenario: Sin las edades no se puede determinar
      Dado no se conoce la edad de los integrantes
      Cuando se evalúa la elegibilidad para PROINPRO
      Entonces no se puede determinar si el grupo es elegible
      Y no se puede saber si el criterio "adults" se cumple
      Y la explicación dice que falta "age"

  Regla: Cada integrante tiene potencial emprendedor medio, alto o muy alto (entrepreneurial_potential)

    Esquema del escenario: Un grupo con un integrante de potencial emprendedor <potencial> resulta «<resultado>»
      Dado el integrante 3 tiene potencial emprendedor <potencial>
      Cuando se evalúa la elegibilidad para PROINPRO
      Entonces el resultado es "<resultado>"
      Y el criterio "entrepreneurial_potential" da "<criterio>"

      Ejemplos:
        | potencial | resultado   | criterio  |
        | muy bajo  | no elegible | no cumple |
        | bajo      | no elegible | no cumple |
        | medio     | elegible    | cumple    |
        | alto      | elegible    | cumple    |
        | muy alto  | elegible    | cumple    |
